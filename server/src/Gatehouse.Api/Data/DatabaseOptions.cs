using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Which database holds users and sessions (<c>Database:Provider</c>), and when the schema is migrated.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>sqlite</c> (default: one file, one machine) or <c>postgres</c> (several API instances).</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// Apply pending migrations when the API starts (default). Deployments that migrate as a separate
    /// step (<c>--migrate-only</c>) turn it off; the API then refuses to start on an outdated schema.
    /// </summary>
    public bool MigrateOnStart { get; set; } = true;

    public DatabaseProvider ProviderKind => Parse(Provider) ?? DatabaseProvider.Sqlite;

    internal static DatabaseProvider? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => null,
    };
}

internal sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (DatabaseOptions.Parse(options.Provider) is not { } provider)
        {
            return ValidateOptionsResult.Fail(
                $"Database:Provider is '{options.Provider}'. Use sqlite (default) or postgres (env Database__Provider).");
        }
        if (provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Default")))
        {
            return ValidateOptionsResult.Fail(
                "Database:Provider is postgres but ConnectionStrings:Default is empty. Set it (env ConnectionStrings__Default) " +
                "to an Npgsql connection string, e.g. Host=db.internal;Database=gatehouse;Username=gatehouse;Password=…");
        }
        return ValidateOptionsResult.Success;
    }
}
