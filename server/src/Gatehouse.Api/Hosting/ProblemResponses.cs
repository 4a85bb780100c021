using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Hosting;

/// <summary>Writes problem+json from middleware and handler events, where no IResult can be returned.</summary>
public static class ProblemResponses
{
    public static async Task WriteProblemAsync(
        this HttpContext context, int status, string title, string detail,
        string? code = null, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        if (code is not null)
        {
            problem.ProblemDetails.Extensions["code"] = code;
        }
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.ProblemDetails.Extensions[key] = value;
        }
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem);
    }
}

/// <summary>
/// The API speaks JSON only, so its errors are problem+json whatever the request's <c>Accept</c> says
/// (RFC 9110 §12.5.1 lets a server disregard it). ASP.NET Core's own writer declines a request whose
/// Accept names no JSON type; the status-code pages then answered in text/plain, and a problem written
/// from middleware (the 401 challenge, the CSRF refusal) failed with a 500. This writer takes exactly
/// the requests the framework's declines, and fills in what it would have.
/// </summary>
internal sealed class ProblemJsonForAnyAccept(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    private static readonly Microsoft.Net.Http.Headers.MediaTypeHeaderValue Json = new("application/json");
    private static readonly Microsoft.Net.Http.Headers.MediaTypeHeaderValue ProblemJson = new("application/problem+json");

    public bool CanWrite(ProblemDetailsContext context)
    {
        // The same test the framework's writer makes, inverted: no Accept, or one naming JSON, is its.
        var accept = context.HttpContext.Request.GetTypedHeaders().Accept;
        return accept.Count > 0 && !accept.Any(range => Json.IsSubsetOf(range) || ProblemJson.IsSubsetOf(range));
    }

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions.GetTypeInfo(problem.GetType()), "application/problem+json"));
    }
}
