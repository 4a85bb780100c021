using BenchmarkDotNet.Attributes;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Benchmarks.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Benchmarks.Tokens;

/// <summary>
/// Minting an access token (every sign-in and refresh) and validating one (every authenticated
/// request), ES256 as deployed by default and HS256 (JWT_SECRET) beside it.
/// </summary>
public class AccessTokenBenchmarks
{
    private BenchmarkApp _app = null!;
    private AccessTokenIssuer _issuer = null!;
    private Session _session = null!;
    private JsonWebTokenHandler _handler = null!;
    private TokenValidationParameters _parameters = null!;
    private string _token = "";

    [Params(SigningAlgorithm.ES256, SigningAlgorithm.HS256)]
    public SigningAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _app = BenchmarkApp.Start(Algorithm);
        _issuer = _app.Services.GetRequiredService<AccessTokenIssuer>();
        _session = await _app.CreateSessionAsync();
        // The handler and parameters the JwtBearer scheme itself uses, as the app configured them.
        var bearer = _app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        _handler = bearer.TokenHandlers.OfType<JsonWebTokenHandler>().Single();
        _parameters = bearer.TokenValidationParameters;
        _token = _issuer.Issue(_session, "bench-user").Value;
        // Measuring a rejection would say nothing about the cost of a request that gets through.
        var result = await _handler.ValidateTokenAsync(_token, _parameters);
        if (!result.IsValid)
        {
            throw new InvalidOperationException($"The app refused its own {Algorithm} token.", result.Exception);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _app.Dispose();

    [Benchmark]
    public string Issue() => _issuer.Issue(_session, "bench-user").Value;

    [Benchmark]
    public async Task<TokenValidationResult> Validate()
    {
        var result = await _handler.ValidateTokenAsync(_token, _parameters);
        return result.IsValid ? result : throw new InvalidOperationException("The token was refused.", result.Exception);
    }
}
