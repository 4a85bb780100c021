using ResourceServer.Gatehouse;
using ResourceServer.Reports;

// An API of your own that trusts Gatehouse's access tokens: docs/build-on-gatehouse.md walks through it.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddProblemDetails();
builder.Services.AddGatehouseAuthentication();
builder.Services.AddAuthorizationBuilder()
    // Roles arrive as "role" claims in the access token (none are issued yet); this is where a route asks for one.
    .AddPolicy(ReportsApi.ReadAllPolicy, policy => policy.RequireRole("admin"));

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages(); // 401 and 403 get a problem+json body too
app.UseAuthentication();
app.UseAuthorization();

app.MapReports();

app.Run();

/// <summary>Entry point; public so that WebApplicationFactory&lt;Program&gt; can host it in tests.</summary>
public partial class Program;
