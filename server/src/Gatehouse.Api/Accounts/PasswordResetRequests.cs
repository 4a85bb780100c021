using System.Threading.Channels;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Accounts;

/// <summary>A forgot-password request as it was answered: the name or address typed, and who typed it.</summary>
public sealed record PasswordResetRequest(string Name, AuditClient Client);

/// <summary>
/// Does the work of forgot-password requests after they are answered. The request only queues the name
/// and answers 202, so an existing account and an unknown name take the very same steps in the time
/// the caller can measure: no database read or write in the request depends on whether the account
/// exists (the timing test pins this). Here, in the background, the account is looked up and, if it
/// has an address, a new reset token (voiding the older ones) and its mail are committed to the outbox
/// together.
/// </summary>
/// <remarks>
/// The queue is in memory: a request still queued when the process stops is lost, and the person asks
/// again (the page says the mail may take a moment). It is bounded; a full queue drops the request
/// with a warning rather than make the answer wait, which would reveal nothing but would let a flood
/// hold requests open. The per-client and per-name rate limits keep it far from full.
/// </remarks>
public sealed partial class PasswordResetRequests(IServiceScopeFactory scopes, ILogger<PasswordResetRequests> logger) : BackgroundService
{
    private const int Capacity = 10_000;

    private readonly Channel<PasswordResetRequest> _queue = Channel.CreateBounded<PasswordResetRequest>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Queues the request without waiting; the caller answers the same whatever happens here.</summary>
    public void Submit(PasswordResetRequest request)
    {
        if (!_queue.Writer.TryWrite(request))
        {
            LogDropped(logger);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var request in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(request, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The database may be briefly away; this one request is lost, the person asks again.
                    LogFailed(logger, exception.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task HandleAsync(PasswordResetRequest request, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var users = services.GetRequiredService<UserManager<User>>();
        var audit = services.GetRequiredService<AuditLog>();
        var db = services.GetRequiredService<GatehouseDbContext>();

        var user = await FindAsync(users, request.Name);
        if (user is not { Email: { Length: > 0 } email })
        {
            audit.Add(request.Client, AuditEvents.PasswordResetRequested, user is null ? "unknown_user" : "no_email", user?.Id);
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        var tokens = services.GetRequiredService<AccountTokens>();
        // Sent whether or not the address is verified: following the link proves it (the reset then
        // marks it verified), and an account with an unverified address would otherwise be lost for good.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // Only the newest link works: an older one, perhaps in a mailbox someone else reads, is void.
        await tokens.VoidAsync(user.Id, AccountTokenPurposes.ResetPassword, CancellationToken.None);
        var token = tokens.Issue(user, AccountTokenPurposes.ResetPassword, email, SecurityNotices.ResetLifetime);
        services.GetRequiredService<SecurityNotices>().ResetLink(user, email, token);
        audit.Add(request.Client, AuditEvents.PasswordResetRequested, AuditEvents.Success, user.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>
    /// The account named by a username or an email address (usernames cannot hold '@'). A name no
    /// database can hold (see <see cref="UsernameRules.CanBeLookedUp"/>) or longer than any stored one
    /// is no account's.
    /// </summary>
    private static async Task<User?> FindAsync(UserManager<User> users, string name)
    {
        if (name.Length > EmailRules.MaxLength || !UsernameRules.CanBeLookedUp(name))
        {
            return null;
        }
        return name.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(name) : await users.FindByNameAsync(name);
    }

    [LoggerMessage(LogLevel.Warning, "A forgot-password request was dropped: the queue is full")]
    private static partial void LogDropped(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "A forgot-password request could not be handled ({Error}); the person has to ask again")]
    private static partial void LogFailed(ILogger logger, string error);
}
