namespace Gatehouse.Api.Data;

/// <summary>Where Gatehouse keeps its files: the SQLite database and, in Development, the signing key.</summary>
public sealed class DataOptions
{
    public const string Section = "Gatehouse:Data";

    /// <summary>Relative paths are taken from the content root (the working folder under <c>dotnet run</c>).</summary>
    public string Directory { get; set; } = "data";

    public string ResolveDirectory(IHostEnvironment environment) =>
        Path.GetFullPath(Path.Combine(environment.ContentRootPath, Directory));
}
