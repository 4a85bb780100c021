using ResourceServer.Gatehouse;
using ResourceServer.Reports;

// An API of your own that trusts Gatehouse's access tokens: docs/build-on-gatehouse.md walks through it.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.Services.AddGatehouseAuthentication();
builder.Services.AddAuthorizationBuilder()
    // Roles arrive as "role" claims in the access token (none are issued yet); this is where a route asks for one.
    .AddPolicy(ReportsApi.ReadAllPolicy, policy => policy.RequireRole("admin"))
    // Gatehouse's amr claim (RFC 8176) says how the user signed in; "mfa" when a second factor was used.
    // It is an array in the token, so JwtBearer makes one "amr" claim per value.
    .AddPolicy(ReportsApi.MultiFactorPolicy, policy => policy.RequireClaim("amr", "mfa"));

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages(); // 401 and 403 get a problem+json body too
app.UseAuthentication();
app.UseAuthorization();

app.MapReports();

app.Run();

/// <summary>Entry point; public so that WebApplicationFactory&lt;Program&gt; can host it in tests.</summary>
public partial class Program;
