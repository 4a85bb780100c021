namespace Gatehouse.Api.Sessions;

/// <summary>The session store could not answer (database down or locked); the request is not judged.</summary>
public sealed class SessionCheckUnavailableException(Exception inner)
    : Exception("The session store is unavailable.", inner);
