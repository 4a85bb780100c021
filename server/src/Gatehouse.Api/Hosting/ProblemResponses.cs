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
