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

    public static ProblemHttpResult Conflict(AuthError error) => Problem(StatusCodes.Status409Conflict, "Conflict", error);

    public static ProblemHttpResult NotFound(AuthError error) => Problem(StatusCodes.Status404NotFound, "Not found", error);

    public static ProblemHttpResult Unauthorized(AuthError error) => Problem(StatusCodes.Status401Unauthorized, "Unauthorized", error);

    private static ProblemHttpResult Problem(int status, string title, AuthError error) =>
        TypedResults.Problem(
            statusCode: status,
            title: title,
            detail: error.Message,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
