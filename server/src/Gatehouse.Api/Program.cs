using Gatehouse.Api.Accounts;
using Gatehouse.Api.Admin;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.DataProtection;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Email;
using Gatehouse.Api.ExternalLogins;
using Gatehouse.Api.Health;
using Gatehouse.Api.Metrics;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Passkeys;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Scaling;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;

LegacyEnvironment.Apply();
var command = Commands.Take(ref args);

var builder = WebApplication.CreateBuilder(args);

builder.AddGatehouseHosting();
builder.Services.AddGatehouseData();
builder.Services.AddUsers();
builder.Services.AddKnownDevices();
builder.Services.AddEmail();
builder.Services.AddEmailVerification();
builder.Services.AddAccountRecovery();
builder.Services.AddSessions();
builder.Services.AddMfa();
builder.Services.AddPasskeys();
builder.Services.AddRecentAuthentication();
builder.Services.AddAdmin();
builder.Services.AddAccountDeletion();
builder.Services.AddGatehouseRedis();
builder.Services.AddTokens();
builder.Services.AddGatehouseCors();
builder.Services.AddPasswordHashingLimit();
builder.Services.AddBruteForceLimits();
builder.Services.AddGatehouseForwardedHeaders();
builder.Services.AddGatehouseHealth();
builder.Services.AddGatehouseOpenApi();
builder.AddGatehouseMetrics();
builder.Services.AddExternalLogins();
builder.Services.AddGatehouseDataProtection();

var app = builder.Build();
if (command is not null)
{
    return await app.RunCommandAsync(command);
}

app.UseGatehouseErrors();
app.UseGatehouseForwardedHeaders();
app.UseCors();
app.UseRequestLimits();
app.UseCsrfProtection();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseEnrollmentGate();

app.MapAuth();
app.MapSecondFactorSignIn();
app.MapReauthentication();
app.MapAuthConfig();
app.MapEmailVerification();
app.MapPasswordReset();
app.MapEmailChange();
app.MapSessions();
app.MapMfa();
app.MapPasskeys();
app.MapAdmin();
app.MapAccountDeletion();
app.MapJwks();
app.MapGatehouseHealth();
app.MapGatehouseOpenApi();
app.MapAccountExport();
app.MapGatehouseMetrics();
app.MapExternalLogins();

app.Run();
return 0;

/// <summary>Entry point; public so that WebApplicationFactory&lt;Program&gt; can host it in tests.</summary>
public partial class Program;
