namespace Gatehouse.Api.ExternalLogins;

/// <summary>A provider the log-in page offers ("Continue with {DisplayName}").</summary>
public sealed record ExternalProviderView(string Id, string DisplayName, string Type);

public sealed record ExternalProvidersResponse(IReadOnlyList<ExternalProviderView> Providers);

/// <summary>The pending link this browser holds: which provider, and the matched account's address, masked.</summary>
public sealed record PendingLinkResponse(string Provider, string DisplayName, string Email);

public sealed record LinkedResponse(string Provider);

/// <summary>One login linked to the account: the provider and which account there (its address or name).</summary>
public sealed record LinkedLoginView(string Provider, string DisplayName, string Name);

public sealed record LinkedLoginsResponse(IReadOnlyList<LinkedLoginView> Logins, bool HasPassword, int PasskeyCount);

/// <summary>Where to go after linking: a path on the web app.</summary>
public sealed record LinkRequest(string? Next);

/// <summary>The API path the browser navigates to (after the web's API base) to link a provider.</summary>
public sealed record LinkStartResponse(string Url);
