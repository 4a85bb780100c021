using System.Text.RegularExpressions;

namespace ResourceServer.Tests;

/// <summary>docs/build-on-gatehouse.md names files and functions of this sample and of the web app; they must exist.</summary>
public sealed partial class GuideTests
{
    // The page the guide asks the reader to create; everything else it names is in the repository.
    private const string PageTheReaderWrites = "web/app/reports/page.tsx";

    [Fact]
    public void Every_file_the_guide_names_exists()
    {
        var (root, guide) = ReadGuide();
        var paths = FilePath().Matches(guide).Select(match => match.Value.TrimEnd('.', ')')).Distinct().ToList();

        Assert.NotEmpty(paths);
        Assert.All(paths.Where(path => path != PageTheReaderWrites),
            path => Assert.True(File.Exists(Path.Combine(root, path)) || Directory.Exists(Path.Combine(root, path)), $"The guide names {path}, which does not exist."));
    }

    [Theory]
    [InlineData("samples/ResourceServer/src/ResourceServer/Gatehouse/GatehouseAuthentication.cs", "AddGatehouseAuthentication")]
    [InlineData("samples/ResourceServer/src/ResourceServer/Gatehouse/GatehouseAuthentication.cs", "new ConfigurationManager")]
    [InlineData("samples/ResourceServer/src/ResourceServer/Gatehouse/RevocationList.cs", "class RevocationList")]
    [InlineData("samples/ResourceServer/src/ResourceServer/Reports/ReportsApi.cs", "ReadAllPolicy")]
    [InlineData("samples/ResourceServer/src/ResourceServer/Reports/ReportsApi.cs", "MultiFactorPolicy")]
    [InlineData("samples/ResourceServer/src/ResourceServer/Program.cs", "policy.RequireClaim(\"amr\", \"mfa\")")]
    [InlineData("web/lib/auth/session.ts", "export async function verifySession")]
    [InlineData("web/lib/auth/cookies.ts", "export function findCookie")]
    [InlineData("web/lib/auth/cookies.ts", "export const ACCESS_TOKEN_COOKIE")]
    public void The_code_the_guide_quotes_is_still_there(string file, string code)
    {
        var (root, guide) = ReadGuide();
        Assert.Contains(code.Split(' ').Last(), guide);
        Assert.Contains(code, File.ReadAllText(Path.Combine(root, file)));
    }

    private static (string Root, string Guide) ReadGuide()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var guide = Path.Combine(directory.FullName, "docs", "build-on-gatehouse.md");
            if (File.Exists(guide))
            {
                return (directory.FullName, File.ReadAllText(guide));
            }
        }
        throw new InvalidOperationException("docs/build-on-gatehouse.md was not found above the test's folder.");
    }

    [GeneratedRegex(@"(?:samples|web|server)/[A-Za-z0-9_./\-]+\.(?:cs|tsx|ts|json|slnx|csproj)\b|samples/ResourceServer(?=[)`])")]
    private static partial Regex FilePath();
}
