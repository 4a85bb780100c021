using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gatehouse.Api.ExternalLogins;

public static class ExternalLoginsExtensions
{
    /// <summary>
    /// One authentication scheme per configured provider, named by its id, built when authentication
    /// is first used (so configuration given to the host, tests' included, applies). Their result never
    /// becomes a cookie of theirs: each callback ends in <see cref="ExternalSignIns"/>, which starts
    /// Gatehouse's own session (or a pending one) and redirects; no external cookie outlives it.
    /// </summary>
    public static IServiceCollection AddExternalLogins(this IServiceCollection services)
    {
        services.AddOptions<ExternalLoginSettings>().BindConfiguration(ExternalLoginSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExternalLoginSettings>, ExternalLoginSettingsValidator>();
        services.AddSingleton<ExternalLoginUrls>();
        services.AddScoped<ExternalSignIns>();

        services.AddOptions<AuthenticationOptions>().Configure<IOptions<ExternalLoginSettings>>((authentication, settings) =>
        {
            foreach (var (id, provider) in settings.Value.Providers)
            {
                authentication.AddScheme(id, scheme =>
                {
                    scheme.DisplayName = provider.Name(id);
                    scheme.HandlerType = provider.IsGitHub ? typeof(GitHubHandler) : typeof(ExternalOidcHandler);
                });
            }
        });
        // What AddOpenIdConnect and AddOAuth register besides the scheme: data protection of the state,
        // the back-channel, the discovery document's manager.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<GitHubOptions>, OAuthPostConfigureOptions<GitHubOptions, GitHubHandler>>());
        services.AddSingleton<IConfigureOptions<OpenIdConnectOptions>, ConfigureSchemes>();
        services.AddSingleton<IConfigureOptions<GitHubOptions>, ConfigureSchemes>();
        services.TryAddTransient<ExternalOidcHandler>();
        services.TryAddTransient<GitHubHandler>();
        return services;
    }

    /// <summary>The settings of each provider's handler, from <see cref="ExternalProviderSettings"/>.</summary>
    private sealed class ConfigureSchemes(IOptions<ExternalLoginSettings> settings, TimeProvider time)
        : IConfigureNamedOptions<OpenIdConnectOptions>, IConfigureNamedOptions<GitHubOptions>
    {
        public void Configure(OpenIdConnectOptions options) { }

        public void Configure(GitHubOptions options) { }

        public void Configure(string? name, OpenIdConnectOptions options)
        {
            if (settings.Value.Find(name) is not { IsGitHub: false } provider)
            {
                return;
            }
            Common(name!, options);
            options.Authority = provider.Authority!.TrimEnd('/');
            // Plain http is allowed only where the validator allowed it (loopback, Development).
            options.RequireHttpsMetadata = new Uri(options.Authority).Scheme == Uri.UriSchemeHttps;
            options.ClientId = provider.ClientId;
            options.ClientSecret = string.IsNullOrEmpty(provider.ClientSecret) ? null : provider.ClientSecret;
            // Authorization Code with PKCE; state and nonce are the handler's. The answer comes back in the
            // query: form_post would need SameSite=None cookies, which Chrome refuses over plain http.
            options.ResponseType = OpenIdConnectResponseType.Code;
            options.ResponseMode = OpenIdConnectResponseMode.Query;
            options.UsePkce = true;
            options.MapInboundClaims = false;
            options.GetClaimsFromUserInfoEndpoint = true;
            options.SaveTokens = provider.SaveTokens;
            options.Scope.Clear();
            foreach (var scope in new[] { "openid", "profile", "email" }.Concat(provider.ScopeList()).Distinct(StringComparer.Ordinal))
            {
                options.Scope.Add(scope);
            }
            // Keep what the account decision reads, from the id_token and from userinfo alike.
            options.ClaimActions.Remove(ExternalClaims.AuthMethods);
            options.ClaimActions.MapUniqueJsonKey(ExternalClaims.EmailVerified, ExternalClaims.EmailVerified);
            options.ClaimActions.MapUniqueJsonKey(ExternalClaims.PreferredUsername, ExternalClaims.PreferredUsername);
            options.NonceCookie.Path = "/";
            options.NonceCookie.SameSite = SameSiteMode.Lax;
            options.NonceCookie.HttpOnly = true;
            options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ProtocolValidator.NonceLifetime = settings.Value.AttemptLifetime;
            options.Events = new OpenIdConnectEvents
            {
                // The redirect URI of this browser's mode (see ExternalLoginUrls); the handler keeps it for the code exchange.
                OnRedirectToIdentityProvider = context =>
                {
                    if (AttemptItems.Get(context.Properties, AttemptItems.RedirectUri) is { } redirectUri)
                    {
                        context.ProtocolMessage.RedirectUri = redirectUri;
                    }
                    return Task.CompletedTask;
                },
                // From the id_token itself (not userinfo): did the provider do multi-factor (RFC 8176 "mfa")?
                OnTokenValidated = context =>
                {
                    if (context.Principal?.FindAll(ExternalClaims.AuthMethods).Any(c => c.Value == "mfa") == true)
                    {
                        context.Properties!.Items[AttemptItems.ProviderMfa] = "true";
                    }
                    return Task.CompletedTask;
                },
                OnTicketReceived = ExternalSignIns.TicketReceivedAsync,
                OnAccessDenied = ExternalSignIns.AccessDeniedAsync,
                OnRemoteFailure = ExternalSignIns.RemoteFailureAsync,
            };
        }

        public void Configure(string? name, GitHubOptions options)
        {
            if (settings.Value.Find(name) is not { IsGitHub: true } provider)
            {
                return;
            }
            Common(name!, options);
            options.ClientId = provider.ClientId!;
            options.ClientSecret = provider.ClientSecret!;
            options.AuthorizationEndpoint = provider.AuthorizationEndpoint ?? GitHubOptions.DefaultAuthorizationEndpoint;
            options.TokenEndpoint = provider.TokenEndpoint ?? GitHubOptions.DefaultTokenEndpoint;
            options.ApiBaseUrl = provider.ApiBaseUrl ?? GitHubOptions.DefaultApiBaseUrl;
            options.UsePkce = true;
            options.SaveTokens = provider.SaveTokens;
            options.Scope.Clear();
            foreach (var scope in new[] { "read:user", "user:email" }.Concat(provider.ScopeList()).Distinct(StringComparer.Ordinal))
            {
                options.Scope.Add(scope);
            }
            options.Events = new OAuthEvents
            {
                OnTicketReceived = ExternalSignIns.TicketReceivedAsync,
                OnAccessDenied = ExternalSignIns.AccessDeniedAsync,
                OnRemoteFailure = ExternalSignIns.RemoteFailureAsync,
            };
        }

        /// <summary>What both kinds share: the callback path, the attempt's lifetime, the correlation cookie.</summary>
        private void Common(string id, RemoteAuthenticationOptions options)
        {
            options.TimeProvider = time;
            options.CallbackPath = $"/auth/external/{id}/callback";
            // The sign-in scheme is never used: every ticket is handled (TicketReceived) before the handler would sign in.
            options.SignInScheme = ExternalSignIns.NoSignInScheme;
            options.RemoteAuthenticationTimeout = settings.Value.AttemptLifetime;
            options.BackchannelTimeout = TimeSpan.FromSeconds(15);
            // Path=/ so the cookie reaches the callback in either mode ({web}/api/auth/… or {api}/auth/…);
            // Lax, which a top-level GET back from the provider carries; Secure whenever the request is https.
            options.CorrelationCookie.Path = "/";
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.CorrelationCookie.HttpOnly = true;
            options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }
    }
}
