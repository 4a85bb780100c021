using Gatehouse.Api.Mfa;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>The authenticator-code check Identity runs (TotpTokenProvider): the window, replay, and input shape.</summary>
public sealed class TotpCodeTests : IDisposable
{
    private readonly GatehouseFactory _factory = new();

    private async Task<(string Username, string Key)> EnrolledAsync()
    {
        var (username, _, _) = await _factory.SignInAsync();
        return (username, await _factory.EnrollAsync(username));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_code_of_the_current_step_or_one_either_side_is_accepted(int steps)
    {
        var (username, key) = await EnrolledAsync();

        Assert.True(await _factory.VerifyCodeAsync(username, _factory.Code(key, steps)));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    [InlineData(-10)]
    public async Task A_code_two_or_more_steps_away_is_refused(int steps)
    {
        var (username, key) = await EnrolledAsync();

        Assert.False(await _factory.VerifyCodeAsync(username, _factory.Code(key, steps)));
        // Refusing it spent nothing: the current code still works.
        Assert.True(await _factory.VerifyCodeAsync(username, _factory.Code(key)));
    }

    [Fact]
    public async Task The_same_code_is_accepted_once()
    {
        var (username, key) = await EnrolledAsync();
        var code = _factory.Code(key);

        Assert.True(await _factory.VerifyCodeAsync(username, code));
        Assert.False(await _factory.VerifyCodeAsync(username, code));
        // Still inside its window half a minute on, and still refused.
        _factory.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(await _factory.VerifyCodeAsync(username, code));
    }

    [Fact]
    public async Task An_older_step_is_refused_after_a_newer_one_was_accepted()
    {
        var (username, key) = await EnrolledAsync();
        var older = _factory.Code(key, -1);
        var current = _factory.Code(key);

        Assert.True(await _factory.VerifyCodeAsync(username, _factory.Code(key, 1)));

        Assert.False(await _factory.VerifyCodeAsync(username, current));
        Assert.False(await _factory.VerifyCodeAsync(username, older));
        // The next step, once it comes, works.
        _factory.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(await _factory.VerifyCodeAsync(username, _factory.Code(key)));
    }

    [Fact]
    public async Task Of_two_requests_racing_with_the_same_code_exactly_one_is_accepted()
    {
        var (username, key) = await EnrolledAsync();
        var code = _factory.Code(key);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _factory.VerifyCodeAsync(username, code)));

        Assert.Single(results, accepted => accepted);
    }

    [Fact]
    public async Task A_write_from_an_older_read_of_the_user_cannot_put_an_accepted_step_back()
    {
        var (username, key) = await EnrolledAsync();
        var code = _factory.Code(key);
        await using var stale = _factory.Services.CreateAsyncScope();
        var staleUsers = stale.ServiceProvider.GetRequiredService<UserManager<User>>();
        var staleUser = (await staleUsers.FindByNameAsync(username))!;

        Assert.True(await _factory.VerifyCodeAsync(username, code));
        staleUser.AccessFailedCount++;
        var update = await staleUsers.UpdateAsync(staleUser);

        Assert.Contains(update.Errors, e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure));
        Assert.False(await _factory.VerifyCodeAsync(username, code));
    }

    [Fact]
    public async Task After_an_accepted_code_the_same_request_can_still_update_the_user()
    {
        var (username, key) = await EnrolledAsync();

        var updated = await _factory.WithUserAsync(username, async (users, user) =>
        {
            Assert.True(await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, _factory.Code(key)));
            user.AccessFailedCount = 0;
            return (await users.UpdateAsync(user)).Succeeded;
        });

        Assert.True(updated);
        Assert.NotNull(await _factory.WithUserAsync(username, (_, user) => Task.FromResult(user.TotpLastStep)));
    }

    [Theory]
    [InlineData(" {0} ")]
    [InlineData("{1} {2}")]
    public async Task Spaces_around_or_inside_a_code_are_ignored(string format)
    {
        var (username, key) = await EnrolledAsync();
        var code = _factory.Code(key);

        Assert.True(await _factory.VerifyCodeAsync(username, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, code, code[..3], code[3..])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("١٢٣٤٥٦")] // Arabic-Indic digits are digits to char.IsDigit, not to an authenticator app
    public void Anything_but_exactly_six_ascii_digits_is_not_a_code(string input)
    {
        Assert.Null(TotpTokenProvider.Normalize(input));
    }

    [Fact]
    public async Task A_code_of_seven_digits_whose_first_six_are_right_is_refused()
    {
        var (username, key) = await EnrolledAsync();

        Assert.False(await _factory.VerifyCodeAsync(username, _factory.Code(key) + "0"));
    }

    public void Dispose() => _factory.Dispose();
}
