namespace Gatehouse.Api.Sessions;

/// <summary>
/// Who is calling, as stored with sessions and audit rows. The address is the connection's, after the
/// forwarded-headers middleware has replaced it with a trusted proxy's X-Forwarded-For.
/// </summary>
public static class ClientInfo
{
    public static string? IpAddress(HttpContext http) =>
        Truncate(http.Connection.RemoteIpAddress?.ToString(), Session.MaxIpAddressLength);

    public static string? UserAgent(HttpContext http) =>
        Truncate(http.Request.Headers.UserAgent.ToString(), Session.MaxUserAgentLength);

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
