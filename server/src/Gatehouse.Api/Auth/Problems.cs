using Microsoft.AspNetCore.Http.HttpResults;

namespace Gatehouse.Api.Auth;

/// <summary>Builds the problem+json bodies of the auth endpoints from the error catalogue.</summary>
public static class Problems
{
    public static ValidationProblem Validation(IEnumerable<AuthError> errors)
    {
        var list = errors.ToList();
        return TypedResults.ValidationProblem(
            errors: list.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: "The request has invalid fields.",
            extensions: new Dictionary<string, object?>
            {
                ["codes"] = list.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Code).ToArray()),
            });
    }

    public static ProblemHttpResult BadRequest(AuthError error) => Problem(StatusCodes.Status400BadRequest, "Bad request", error);

    public static ProblemHttpResult Conflict(AuthError error) => Problem(StatusCodes.Status409Conflict, "Conflict", error);

    public static ProblemHttpResult NotFound(AuthError error) => Problem(StatusCodes.Status404NotFound, "Not found", error);

    public static ProblemHttpResult Unauthorized(AuthError error) => Problem(StatusCodes.Status401Unauthorized, "Unauthorized", error);

    public static ProblemHttpResult Forbidden(AuthError error) => Problem(StatusCodes.Status403Forbidden, "Forbidden", error);

    public static ProblemHttpResult Unavailable(AuthError error) => Problem(StatusCodes.Status503ServiceUnavailable, "Service unavailable", error);

    /// <summary>A mailed link's token that cannot be used: 400 with the code that tells the page what to say.</summary>
    public static ProblemHttpResult Token(Accounts.AccountTokenOutcome outcome) => Problem(StatusCodes.Status400BadRequest, "Bad request", outcome switch
    {
        Accounts.AccountTokenOutcome.Expired => AuthErrors.TokenExpired,
        Accounts.AccountTokenOutcome.Used => AuthErrors.TokenUsed,
        _ => AuthErrors.TokenInvalid,
    });

    private static ProblemHttpResult Problem(int status, string title, AuthError error) =>
        TypedResults.Problem(
            statusCode: status,
            title: title,
            detail: error.Message,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
