using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

/// <summary><c>GET /admin/users</c>: prefix search, filters, cursor paging and bad input, on the suite's database.</summary>
public sealed class AdminUsersListTests
{
    [Fact]
    public async Task Q_matches_the_start_of_a_username_or_an_address_in_any_case_and_nothing_in_the_middle()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        await factory.SeedUserAsync("kestrel_one", "kestrel_one@example.com");
        await factory.SeedUserAsync("owl", "Kestrel.Fan@birds.example");
        await factory.SeedUserAsync("the_kestrel", "the_kestrel@example.com");
        await factory.SeedUserAsync("kestrels", "kestrels@example.com");

        var page = await (await factory.GetAsAsync("/admin/users?q=KeStReL", admin)).JsonAsync(HttpStatusCode.OK);

        // Ordered by normalized username; "the_kestrel" has it in the middle only.
        Assert.Equal(["kestrels", "kestrel_one", "owl"], AdminApi.Usernames(page)); // KESTRELS < KESTREL_ONE: normalized, code-point order
        Assert.Equal(System.Text.Json.JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
        var byAddress = await (await factory.GetAsAsync("/admin/users?q=kestrel.fan%40BIRDS", admin)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["owl"], AdminApi.Usernames(byAddress));
    }

    [Fact]
    public async Task A_user_summary_has_the_contract_fields_and_states()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var seeded = await factory.SeedUserAsync("summary_user", configure: u =>
        {
            u.EmailConfirmed = false;
            u.TwoFactorEnabled = true;
            u.DisabledAt = factory.Time.GetUtcNow().UtcDateTime;
            u.LastSignInAt = factory.Time.GetUtcNow().UtcDateTime.AddDays(-1);
            u.LockoutEnd = factory.Time.GetUtcNow().AddMinutes(5);
        });
        await factory.GrantRoleAsync("support", "summary_user");

        var page = await (await factory.GetAsAsync("/admin/users?q=summary_", admin)).JsonAsync(HttpStatusCode.OK);

        var user = Assert.Single(page.GetProperty("users").EnumerateArray());
        Assert.Equal(
            ["id", "username", "email", "emailVerified", "createdAt", "lastSignInAt", "locked", "disabled", "mfa", "roles"],
            user.EnumerateObject().Select(p => p.Name));
        Assert.Equal(seeded.Id, user.GetProperty("id").GetGuid());
        Assert.Equal("summary_user@example.com", user.GetProperty("email").GetString());
        Assert.False(user.GetProperty("emailVerified").GetBoolean());
        Assert.True(user.GetProperty("locked").GetBoolean());
        Assert.True(user.GetProperty("disabled").GetBoolean());
        Assert.True(user.GetProperty("mfa").GetBoolean());
        Assert.Equal(factory.Time.GetUtcNow().AddDays(-1), user.GetProperty("lastSignInAt").GetDateTimeOffset());
        Assert.Equal(["support"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Each_filter_keeps_only_the_accounts_in_that_state()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var now = factory.Time.GetUtcNow();
        await factory.SeedUserAsync("f_plain");
        await factory.SeedUserAsync("f_locked", configure: u => u.LockoutEnd = now.AddMinutes(10));
        await factory.SeedUserAsync("f_lock_over", configure: u => u.LockoutEnd = now.AddSeconds(-1));
        var lockOff = await factory.SeedUserAsync("f_lock_off", configure: u => u.LockoutEnd = now.AddMinutes(10));
        // Identity turns lockout on for every new account; this one had it turned off afterwards.
        await factory.QueryAsync(db => db.Users.Where(u => u.Id == lockOff.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnabled, false)));
        await factory.SeedUserAsync("f_disabled", configure: u => u.DisabledAt = now.UtcDateTime);
        await factory.SeedUserAsync("f_unverified", configure: u => u.EmailConfirmed = false);
        await factory.SeedUserAsync("f_no_address", configure: u => { u.Email = null; u.EmailConfirmed = false; });
        await factory.SeedUserAsync("f_mfa", configure: u => u.TwoFactorEnabled = true);

        async Task<string[]> Search(string filter) =>
            AdminApi.Usernames(await (await factory.GetAsAsync($"/admin/users?q=f_&{filter}", admin)).JsonAsync(HttpStatusCode.OK));

        Assert.Equal(["f_locked"], await Search("locked=true"));
        Assert.Equal(["f_disabled"], await Search("disabled=true"));
        Assert.Equal(["f_unverified"], await Search("unverified=true"));
        Assert.Equal(["f_mfa"], await Search("mfa=true"));
        Assert.Equal(["f_lock_off", "f_lock_over", "f_no_address", "f_plain"], await Search("locked=false&disabled=false&unverified=false&mfa=false"));
        // The lock's end passes: the account is no longer locked, by the same rule sign-in applies.
        factory.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(await Search("locked=true"));
    }

    [Fact]
    public async Task Paging_walks_every_match_once_in_username_order_and_the_last_page_has_no_cursor()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        await factory.SeedManyAsync("pg_", 7);

        var first = await (await factory.GetAsAsync("/admin/users?q=pg_&limit=3", admin)).JsonAsync(HttpStatusCode.OK);
        var (all, pages) = await factory.AllPagesAsync(admin, "q=pg_&limit=3");

        Assert.Equal(["pg_0000", "pg_0001", "pg_0002"], AdminApi.Usernames(first));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"pg_{i:D4}"), all);
        Assert.Equal(3, pages);
        // A page that ends exactly at the last match says so (no cursor to an empty page).
        var (exact, exactPages) = await factory.AllPagesAsync(admin, "q=pg_&limit=7");
        Assert.Equal(7, exact.Count);
        Assert.Equal(1, exactPages);
    }

    [Fact]
    public async Task The_locked_filter_pages_exactly_when_locked_accounts_are_scattered_among_many_once_locked()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var now = factory.Time.GetUtcNow();
        // 450 accounts whose lock has ended and 5 still locked, spread past the 200-row rounds the filter reads.
        var lockedAt = new[] { 3, 150, 260, 399, 449 };
        await factory.SeedManyAsync("lk_", 450, (user, i) => user.LockoutEnd = lockedAt.Contains(i) ? now.AddHours(1) : now.AddHours(-1));

        var (all, pages) = await factory.AllPagesAsync(admin, "q=lk_&locked=true&limit=2");

        Assert.Equal(lockedAt.Select(i => $"lk_{i:D4}"), all);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Without_q_every_account_is_listed_fifty_to_a_page()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        await factory.SeedManyAsync("all_", 60);

        var first = await (await factory.GetAsAsync("/admin/users", admin)).JsonAsync(HttpStatusCode.OK);
        var (all, _) = await factory.AllPagesAsync(admin, "limit=100");

        Assert.Equal(50, AdminApi.Usernames(first).Length);
        Assert.NotNull(first.GetProperty("nextCursor").GetString());
        // The 60, the admin and the demo user john (Development seeds him).
        Assert.Equal(62, all.Count);
        Assert.Equal(all.OrderBy(n => n.ToUpperInvariant(), StringComparer.Ordinal), all);
    }

    [Theory]
    [InlineData("limit=0", "limit_invalid")]
    [InlineData("limit=101", "limit_invalid")]
    [InlineData("limit=ten", "limit_invalid")]
    [InlineData("limit=-1", "limit_invalid")]
    [InlineData("cursor=%%%", "cursor_invalid")]
    [InlineData("cursor=gA", "cursor_invalid")]
    [InlineData("locked=yes", "filter_invalid")]
    [InlineData("mfa=1", "filter_invalid")]
    public async Task Bad_paging_or_filters_are_a_400_problem_with_a_code(string query, string code)
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();

        var problem = await (await factory.GetAsAsync("/admin/users?" + query, admin)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(code, problem.GetProperty("codes").EnumerateObject().SelectMany(p => p.Value.EnumerateArray()).Select(c => c.GetString()));
    }

    [Fact]
    public async Task A_q_longer_than_256_characters_is_a_400_problem()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();

        var problem = await (await factory.GetAsAsync("/admin/users?q=" + new string('a', 257), admin)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("query_invalid", problem.GetProperty("codes").GetProperty("q")[0].GetString());
    }

    [Fact]
    public async Task The_admin_reads_are_rate_limited_per_client()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:Admin:PerIp", "3")
            .With("Gatehouse:RateLimits:Admin:PerUser", "100");
        var (_, admin) = await factory.SignInAdminAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await factory.GetAsAsync("/admin/users", admin)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var problem = await (await factory.GetAsAsync($"/admin/users/{Guid.NewGuid()}", admin)).ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_admin_user_reads()
    {
        using var factory = new GatehouseFactory();

        using var document = System.Text.Json.JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/admin/users").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/admin/users/{id}").TryGetProperty("get", out _));
    }
}
