using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Auth;

public sealed class RegisterTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_new_user_gets_201_with_their_id_and_username()
    {
        var username = TestApi.NewUsername();

        var response = await _client.RegisterAsync(username, email: $"{username}@example.com");

        var body = await response.JsonAsync(HttpStatusCode.Created);
        Assert.True(Guid.TryParse(body.GetProperty("userId").GetString(), out _));
        Assert.Equal(username, body.GetProperty("username").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Email_is_required_by_default()
    {
        var response = await _client.PostAsJsonAsync("/auth/register", new { username = TestApi.NewUsername(), password = TestApi.StrongPassword });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("email_required", problem.GetProperty("codes").GetProperty("email")[0].GetString());
    }

    [Theory]
    [InlineData("ab", "username_length")]
    [InlineData("a_name_that_is_far_too_long_for_anyone_to_type_it_twice_in_one_go_", "username_length")]
    [InlineData("john smith", "username_characters")]
    [InlineData("jöhn", "username_characters")]
    [InlineData("john@example", "username_characters")]
    [InlineData("", "username_required")]
    public async Task Bad_usernames_get_a_validation_problem_with_a_stable_code(string username, string code)
    {
        var response = await _client.RegisterAsync(username);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("codes").GetProperty("username")[0].GetString());
        Assert.NotEmpty(problem.GetProperty("errors").GetProperty("username")[0].GetString()!);
    }

    [Theory]
    [InlineData("short", "password_length")]
    [InlineData("password1", "password_common")]
    [InlineData("Password1", "password_common")]
    [InlineData("iloveyou", "password_common")]
    [InlineData("", "password_required")]
    public async Task Bad_passwords_get_a_validation_problem_with_a_stable_code(string password, string code)
    {
        var response = await _client.RegisterAsync(TestApi.NewUsername(), password);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("codes").GetProperty("password")[0].GetString());
    }

    [Fact]
    public async Task Passwords_of_8_and_128_characters_are_accepted_and_129_is_not()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.RegisterAsync(TestApi.NewUsername(), "zq8#Lw2!")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.RegisterAsync(TestApi.NewUsername(), new string('k', 127) + "x")).StatusCode);

        var tooLong = await _client.RegisterAsync(TestApi.NewUsername(), new string('k', 128) + "x");

        var problem = await tooLong.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("password_length", problem.GetProperty("codes").GetProperty("password")[0].GetString());
    }

    [Fact]
    public async Task A_password_needs_no_digits_capitals_or_symbols()
    {
        var response = await _client.RegisterAsync(TestApi.NewUsername(), "plain lowercase words only");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("John <john@example.com>")]
    [InlineData("john@localhost")]
    public async Task An_invalid_email_is_refused(string email)
    {
        var response = await _client.RegisterAsync(TestApi.NewUsername(), email: email);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("email_invalid", problem.GetProperty("codes").GetProperty("email")[0].GetString());
    }

    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        var response = await _client.PostAsJsonAsync("/auth/register", new { username = "x", password = "short", email = "nope" });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _));
        Assert.True(errors.TryGetProperty("password", out _));
        Assert.True(errors.TryGetProperty("email", out _));
    }

    [Fact]
    public async Task A_taken_username_gets_409_whatever_its_case()
    {
        var username = TestApi.NewUsername("Taken");
        Assert.Equal(HttpStatusCode.Created, (await _client.RegisterAsync(username)).StatusCode);

        var again = await _client.RegisterAsync(username.ToUpperInvariant());

        var problem = await again.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("username_taken", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_taken_email_gets_409_whatever_its_case()
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await _client.RegisterAsync(TestApi.NewUsername(), email: email)).StatusCode);

        var again = await _client.RegisterAsync(TestApi.NewUsername(), email: email.ToUpperInvariant());

        var problem = await again.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("email_taken", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Registering_does_not_sign_in()
    {
        var response = await _client.RegisterAsync(TestApi.NewUsername());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Null(TestApi.AccessTokenCookie(response));
    }

    [Fact]
    public void The_shipped_common_password_list_has_ten_thousand_entries()
    {
        var common = new Gatehouse.Api.Users.CommonPasswords();

        Assert.Equal(10_000, common.Count);
        Assert.True(common.Contains("123456"));
        Assert.False(common.Contains(TestApi.StrongPassword));
    }

    [Fact]
    public async Task No_answer_echoes_the_password()
    {
        var password = "a-unique-password-" + Guid.NewGuid();
        var username = TestApi.NewUsername();

        var created = await _client.RegisterAsync(username, password);
        var conflict = await _client.RegisterAsync(username, password);
        var invalid = await _client.RegisterAsync("x!", password);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        foreach (var response in new[] { created, conflict, invalid })
        {
            Assert.DoesNotContain(password, await response.Content.ReadAsStringAsync());
        }
    }
}
