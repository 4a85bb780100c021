using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Admin;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>
/// The audit log as an administrator reads it: filters, newest-first keyset paging, time ranges
/// (which SQLite cannot compare in SQL; see AdminAuditQuery), bad parameters, and the CSV download.
/// </summary>
public sealed class AdminAuditTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task A_signed_out_caller_gets_401_and_a_user_without_the_admin_role_gets_403()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/admin/audit")).StatusCode);
        var user = factory.CreateClient();
        await user.SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/audit/export")).StatusCode);
    }

    [Fact]
    public async Task Events_are_filtered_by_user_event_and_outcome_and_paged_newest_first_without_gaps_or_repeats()
    {
        var (admin, _) = await factory.SignInAdminClientAsync();
        var subject = Guid.NewGuid();
        var start = factory.Time.GetUtcNow();
        await AddAsync(Enumerable.Range(0, 7).Select(i => Row(subject, start.AddSeconds(i), i % 2 == 0 ? "success" : "invalid_credentials")));
        await AddAsync([Row(subject, start, "success", AuditEvents.Refresh), Row(Guid.NewGuid(), start, "success")]);

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/admin/audit?userId={subject}&event=sign_in&outcome=success&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            var events = page.GetProperty("events").EnumerateArray().ToList();
            Assert.All(events, e => Assert.Equal((subject.ToString(), "sign_in", "success"),
                (e.GetProperty("userId").GetString()!, e.GetProperty("event").GetString()!, e.GetProperty("outcome").GetString()!)));
            seen.AddRange(events.Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        var expected = await factory.QueryAsync(db => db.AuditEvents
            .Where(a => a.UserId == subject && a.Event == "sign_in" && a.Outcome == "success")
            .OrderByDescending(a => a.Id).Select(a => a.Id).ToListAsync());
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task An_event_view_carries_every_contract_field()
    {
        var (admin, adminId) = await factory.SignInAdminClientAsync();
        var subject = Guid.NewGuid();
        var row = Row(subject, factory.Time.GetUtcNow(), "success", "role_granted");
        row.ActorId = adminId;
        row.Detail = "admin";
        row.SessionId = Guid.NewGuid();
        await AddAsync([row]);

        var page = await admin.GetFromJsonAsync<JsonElement>($"/admin/audit?userId={subject}");

        var view = Assert.Single(page.GetProperty("events").EnumerateArray());
        Assert.Equal(
            ["id", "at", "event", "outcome", "userId", "actorId", "sessionId", "ipAddress", "userAgent", "detail"],
            view.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal((adminId.ToString(), "admin", row.SessionId.ToString(), "203.0.113.9"),
            (view.GetProperty("actorId").GetString(), view.GetProperty("detail").GetString(), view.GetProperty("sessionId").GetString(), view.GetProperty("ipAddress").GetString()));
        Assert.Equal(row.At, view.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task A_time_range_keeps_rows_from_from_inclusive_to_to_exclusive_even_when_ids_are_a_little_out_of_time_order()
    {
        // A database of its own: the search relies on ids following time, which other tests' made-up times would not.
        await using var own = new GatehouseFactory();
        var (admin, _) = await own.SignInAdminClientAsync();
        var subject = Guid.NewGuid();
        var t0 = own.Time.GetUtcNow().AddDays(1);
        // Saved in this order, so ids rise; the times mostly rise too, but the third row was stamped
        // before the second (a unit of work that saved late), as happens between concurrent requests.
        await AddAsync(own, [
            Row(subject, t0, "a"),
            Row(subject, t0.AddHours(1), "b"),
            Row(subject, t0.AddHours(1).AddSeconds(-20), "c"),
            Row(subject, t0.AddHours(2), "d"),
            Row(subject, t0.AddHours(3), "e"),
        ]);

        async Task<string> OutcomesAsync(string query)
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/admin/audit?userId={subject}&{query}");
            return string.Concat(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
        }

        Assert.Equal("dcb", await OutcomesAsync($"from={Iso(t0.AddHours(1).AddSeconds(-20))}&to={Iso(t0.AddHours(3))}"));
        Assert.Equal("db", await OutcomesAsync($"from={Iso(t0.AddHours(1).AddSeconds(-10))}&to={Iso(t0.AddHours(2).AddSeconds(1))}"));
        Assert.Equal("edcba", await OutcomesAsync($"from={Iso(t0)}"));
        Assert.Equal("ca", await OutcomesAsync($"to={Iso(t0.AddHours(1))}"));
        Assert.Equal("", await OutcomesAsync($"from={Iso(t0.AddHours(4))}"));
        // A page of one with a time range still pages by id.
        var first = await admin.GetFromJsonAsync<JsonElement>($"/admin/audit?userId={subject}&from={Iso(t0.AddMinutes(30))}&limit=1");
        Assert.Equal("e", Assert.Single(first.GetProperty("events").EnumerateArray()).GetProperty("outcome").GetString());
        var second = await admin.GetFromJsonAsync<JsonElement>($"/admin/audit?userId={subject}&from={Iso(t0.AddMinutes(30))}&limit=1&cursor={first.GetProperty("nextCursor").GetString()}");
        Assert.Equal("d", Assert.Single(second.GetProperty("events").EnumerateArray()).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task The_first_id_at_or_after_an_instant_is_found_by_binary_search_over_many_rows()
    {
        await using var own = new GatehouseFactory();
        var subject = Guid.NewGuid();
        var t0 = own.Time.GetUtcNow().AddYears(5);
        await AddAsync(own, Enumerable.Range(0, 300).Select(i => Row(subject, t0.AddSeconds(i), "n")));
        var ids = await own.QueryAsync(db => db.AuditEvents.Where(a => a.UserId == subject).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync());

        await using var scope = own.Services.CreateAsyncScope();
        var query = scope.ServiceProvider.GetRequiredService<AdminAuditQuery>();
        foreach (var i in new[] { 0, 1, 137, 298, 299 })
        {
            Assert.Equal(ids[i], await query.FirstIdAtOrAfterAsync(t0.AddSeconds(i), CancellationToken.None));
            Assert.Equal(ids[i], await query.FirstIdAtOrAfterAsync(t0.AddSeconds(i - 0.5), CancellationToken.None));
        }
        Assert.Equal(ids[^1] + 1, await query.FirstIdAtOrAfterAsync(t0.AddSeconds(300), CancellationToken.None));
    }

    [Theory]
    [InlineData("limit=0", "limit", "limit_invalid")]
    [InlineData("limit=501", "limit", "limit_invalid")]
    [InlineData("limit=ten", "limit", "limit_invalid")]
    [InlineData("cursor=-4", "cursor", "cursor_invalid")]
    [InlineData("cursor=abc", "cursor", "cursor_invalid")]
    [InlineData("userId=bob", "userId", "user_id_invalid")]
    [InlineData("from=yesterday", "from", "from_invalid")]
    [InlineData("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to", "to_invalid")]
    [InlineData("event=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "event", "event_invalid")]
    public async Task Bad_parameters_are_a_400_problem_naming_the_parameter(string query, string field, string code)
    {
        var (admin, _) = await factory.SignInAdminClientAsync();

        foreach (var path in new[] { "/admin/audit?", "/admin/audit/export?" })
        {
            if (path.Contains("export") && (field is "limit" or "cursor"))
            {
                continue; // the download takes neither
            }
            var problem = await (await admin.GetAsync(path + query)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(code, Assert.Single(problem.GetProperty("codes").GetProperty(field).EnumerateArray()).GetString());
        }
    }

    [Fact]
    public async Task The_csv_download_is_an_attachment_with_quoted_cells_and_neutralised_formulas_and_is_audited()
    {
        var (admin, adminId) = await factory.SignInAdminClientAsync();
        var subject = Guid.NewGuid();
        var at = factory.Time.GetUtcNow();
        var hostile = Row(subject, at, "success");
        hostile.UserAgent = "=HYPERLINK(\"http://evil.example\",\"click\")";
        var plain = Row(subject, at.AddSeconds(1), "-1+2");
        plain.UserAgent = "Mozilla/5.0 (X11; Linux), \"quoted\"";
        await AddAsync([hostile, plain]);

        var response = await admin.GetAsync($"/admin/audit/export?userId={subject}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal("id,at,event,outcome,userId,actorId,sessionId,ipAddress,userAgent,detail", lines[0]);
        // The download's own record comes first: it was written before the first row was read.
        Assert.Matches($"^[0-9]+,[^,]+,admin_audit_export,success,{subject},{adminId},", lines[1]);
        Assert.Equal($"{plain.Id},{plain.At.UtcDateTime:O},sign_in,'-1+2,{subject},,,203.0.113.9,\"Mozilla/5.0 (X11; Linux), \"\"quoted\"\"\",", lines[2]);
        Assert.Equal($"{hostile.Id},{hostile.At.UtcDateTime:O},sign_in,success,{subject},,,203.0.113.9,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",", lines[3]);
        Assert.Equal([""], lines[4..]);

        var audit = await factory.QueryAsync(db => db.AuditEvents.SingleAsync(a => a.Event == AuditEvents.AdminAuditExport && a.ActorId == adminId));
        Assert.Equal((subject, AuditEvents.Success), (audit.UserId, audit.Outcome));
    }

    [Fact]
    public async Task A_download_larger_than_one_chunk_holds_every_matching_row_once_newest_first()
    {
        var (admin, _) = await factory.SignInAdminClientAsync();
        var subject = Guid.NewGuid();
        var at = factory.Time.GetUtcNow();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Gatehouse.Api.Data.GatehouseDbContext>();
            db.AuditEvents.AddRange(Enumerable.Range(0, 2_345).Select(_ => Row(subject, at, "success", AuditEvents.Refresh)));
            await db.SaveChangesAsync();
        }
        var expected = await factory.QueryAsync(db => db.AuditEvents.Where(a => a.UserId == subject && a.Event == AuditEvents.Refresh)
            .OrderByDescending(a => a.Id).Select(a => a.Id).ToListAsync());

        var csv = await admin.GetStringAsync($"/admin/audit/export?userId={subject}&event=refresh&from={Iso(at)}");

        var ids = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => long.Parse(line[..line.IndexOf(',')])).ToList();
        Assert.Equal(2_345, expected.Count);
        Assert.Equal(expected, ids);
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    public void A_csv_cell_is_quoted_per_RFC_4180_and_never_starts_a_formula(string value, string cell) =>
        Assert.Equal(cell, AdminAuditEndpoints.Cell(value));

    private static string Iso(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToString("O"));

    private static AuditEvent Row(Guid userId, DateTimeOffset at, string outcome, string eventName = AuditEvents.SignIn) => new()
    {
        At = at, Event = eventName, Outcome = outcome, UserId = userId, IpAddress = "203.0.113.9", UserAgent = "AdminAuditTests",
    };

    /// <summary>Saves the rows one by one, in order, so their ids rise in the order given.</summary>
    private Task AddAsync(IEnumerable<AuditEvent> rows) => AddAsync(factory, rows);

    private static async Task AddAsync(GatehouseFactory target, IEnumerable<AuditEvent> rows)
    {
        await using var scope = target.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Gatehouse.Api.Data.GatehouseDbContext>();
        foreach (var row in rows)
        {
            db.AuditEvents.Add(row);
            await db.SaveChangesAsync();
        }
    }
}
