using System.Collections.Concurrent;
using System.Data.Common;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// What the app asks of its database while a test watches: the DbContexts it makes and the SQL it
/// runs. Tests send one request at a time, so what is counted between two resets is that request's.
/// </summary>
public sealed class DatabaseActivity : DbCommandInterceptor
{
    private readonly ConcurrentQueue<string> _statements = new();
    private int _contexts;

    /// <summary>
    /// Counts the contexts made for the app's GatehouseDbContext, and every statement they run. Mail is
    /// off: the outbox sender polls its table in the background, on a context of its own, and its
    /// statements would land between a test's resets at random. What these tests count is a
    /// request's own work; a request's outbox rows are inserts in its own transaction either way.
    /// </summary>
    public static DatabaseActivity On(GatehouseFactory factory)
    {
        var activity = new DatabaseActivity();
        factory.With("Gatehouse:Email:Enabled", "false");
        factory.WithServices(services =>
        {
            services.AddSingleton<IInterceptor>(activity);
            var made = services.Last(d => d.ServiceType == typeof(GatehouseDbContext)).ImplementationFactory!;
            services.AddScoped<GatehouseDbContext>(provider =>
            {
                Interlocked.Increment(ref activity._contexts);
                return (GatehouseDbContext)made(provider);
            });
        });
        return activity;
    }

    public int Contexts => Volatile.Read(ref _contexts);

    public IReadOnlyCollection<string> Statements => _statements;

    public void Reset()
    {
        Interlocked.Exchange(ref _contexts, 0);
        _statements.Clear();
    }

    private void Record(DbCommand command) => _statements.Enqueue(command.CommandText);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }
}
