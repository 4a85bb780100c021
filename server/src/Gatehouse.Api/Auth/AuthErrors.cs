namespace Gatehouse.Api.Auth;

/// <summary>An error with a stable code that clients may branch on; the message is for people.</summary>
public sealed record AuthError(string Code, string Field, string Message);

/// <summary>Every error code the auth endpoints return. Codes never change once published.</summary>
public static class AuthErrors
{
    public static readonly AuthError UsernameRequired = new("username_required", "username", "Username is required.");
    public static readonly AuthError UsernameLength = new("username_length", "username", "Username must be 3 to 64 characters long.");
    public static readonly AuthError UsernameCharacters = new("username_characters", "username", "Username may contain only letters, digits, '.', '_' and '-'.");
    public static readonly AuthError UsernameTaken = new("username_taken", "username", "That username is taken.");

    public static readonly AuthError PasswordRequired = new("password_required", "password", "Password is required.");
    public static readonly AuthError PasswordLength = new("password_length", "password", "Password must be 8 to 128 characters long.");
    public static readonly AuthError PasswordCommon = new("password_common", "password", "That password is too common. Choose one that is harder to guess.");

    public static readonly AuthError EmailInvalid = new("email_invalid", "email", "Email must be a valid address.");
    public static readonly AuthError EmailTaken = new("email_taken", "email", "That email is already registered.");
    public static readonly AuthError EmailRequired = new("email_required", "email", "Email is required.");
    public static readonly AuthError EmailUnverified = new("email_unverified", "", "Verify your email address before signing in. We can send you a new link.");
    public static readonly AuthError BodyRequired = new("body_required", "", "Send a JSON object: {} when signed in, else {\"username\": your username or email address}.");
    public static readonly AuthError EmailAlreadyVerified = new("email_already_verified", "email", "Your address is already verified.");
    public static readonly AuthError EmailDisabled = new("email_disabled", "", "This server does not send mail, so this is not available. Ask its administrator.");

    // A mailed link's token: what the page tells the person, with a way to get a new link.
    public static readonly AuthError TokenInvalid = new("token_invalid", "token", "This link is not valid. Check that you opened the whole link, or ask for a new one.");
    public static readonly AuthError TokenExpired = new("token_expired", "token", "This link has expired. Ask for a new one.");
    public static readonly AuthError TokenUsed = new("token_used", "token", "This link has already been used or replaced by a newer one. Ask for a new one if you still need it.");

    // Changing the address (Accounts/EmailChangeEndpoints.cs).
    public static readonly AuthError EmailUnchanged = new("email_unchanged", "newEmail", "That is already your address.");
    public static readonly AuthError EmailChangeConflict = new("email_change_conflict", "", "The account changed while the address was being changed. Try the link again.");

    public static readonly AuthError CurrentPasswordRequired = new("current_password_required", "currentPassword", "Current password is required.");
    public static readonly AuthError CurrentPasswordIncorrect = new("current_password_incorrect", "currentPassword", "Current password is incorrect.");
    public static readonly AuthError PasswordChangeConflict = new("password_change_conflict", "", "The account changed while the password was being changed. Try again.");
    public static readonly AuthError PasswordUnchanged = new("password_unchanged", "newPassword", "The new password must differ from the current one.");

    public static readonly AuthError RefreshInvalid = new("refresh_invalid", "", "Your session has ended. Sign in again.");
    public static readonly AuthError SessionNotFound = new("session_not_found", "", "No such session is active on your account.");
    public static readonly AuthError CursorInvalid = new("cursor_invalid", "after", "after must be a cursor from an earlier answer; leave it out to start again.");

    // Second factors, passkeys and step-up (Mfa/, Passkeys/, Security/RecentAuthentication.cs).
    public static readonly AuthError ReauthenticationRequired = new("reauthentication_required", "", "Confirm it's you: sign in again to do this.");
    public static readonly AuthError CodeRequired = new("code_required", "code", "Enter the code.");
    public static readonly AuthError CodeInvalid = new("code_invalid", "code", "That code is not right, or it was used already. Try the current code.");
    public static readonly AuthError RecoveryCodeInvalid = new("recovery_code_invalid", "recoveryCode", "That recovery code is not right, or it was used already.");
    public static readonly AuthError CodeAmbiguous = new("code_ambiguous", "", "Send either a code or a recovery code, not both.");
    public static readonly AuthError CredentialRequired = new("credential_required", "", "Send exactly one of: password, code, recoveryCode, passkey.");
    public static readonly AuthError PendingSignInInvalid = new("mfa_pending_invalid", "", "This sign-in has expired or was used up. Sign in again.");
    public static readonly AuthError TotpAlreadyEnabled = new("totp_already_enabled", "", "An authenticator app is already set up. Turn it off first to set up another.");
    public static readonly AuthError TotpNotEnabled = new("totp_not_enabled", "", "No authenticator app is set up.");
    public static readonly AuthError TotpSetupMissing = new("totp_setup_missing", "", "Start the authenticator app's setup first.");
    public static readonly AuthError FactorChangeConflict = new("factor_change_conflict", "", "The account changed while its second factor was being changed. Try again.");
    public static readonly AuthError SecondFactorRequired = new("second_factor_required", "", "Set up a second factor first.");
    public static readonly AuthError MfaEnrollmentRequired = new("mfa_enrollment_required", "", "Set up a second factor to go on: an authenticator app or a passkey.");
    public static readonly AuthError PasskeyFailed = new("passkey_failed", "", "The passkey could not be verified. Try again.");
    public static readonly AuthError PasskeyNotFound = new("passkey_not_found", "", "No such passkey is registered on your account.");
    public static readonly AuthError CeremonyInvalid = new("ceremony_invalid", "ceremonyId", "This passkey request has expired or was used. Start again.");
    public static readonly AuthError PasskeyCredentialRequired = new("passkey_credential_required", "credential", "Send the passkey's answer: the browser's credential.toJSON().");
    public static readonly AuthError PasskeyNameInvalid = new("passkey_name_invalid", "name", "A passkey's name must be 1 to 64 characters, with no control characters.");
    public static readonly AuthError PasskeysUnavailable = new("passkeys_unavailable", "", "Passkeys are not available here: the web app is opened at an IP address, which WebAuthn refuses. Open it by a host name (its administrator sets Gatehouse:Passkeys:RpId).");

    // Administration and account lifecycle (Admin/, Accounts/AccountDeletion.cs).
    public static readonly AuthError AccountDisabled = new("account_disabled", "", "This account is disabled. Ask an administrator.");
    public static readonly AuthError PasswordResetRequired = new("password_reset_required", "", "Choose a new password first: follow the link we mailed you, or ask for a new one.");
    public static readonly AuthError UserNotFound = new("user_not_found", "", "No such user.");
    public static readonly AuthError LastAdmin = new("last_admin", "", "This is the last administrator: make another user an administrator first.");
    public static readonly AuthError NoEmail = new("no_email", "", "The account has no email address, so no reset link can be sent.");
    public static readonly AuthError RoleInvalid = new("role_invalid", "role", "A role's name is 1 to 64 lower-case letters, digits, '-', '_' or '.'.");

    // One message for an unknown user, a wrong password and a locked account: none reveals that an account exists.
    public static readonly AuthError InvalidCredentials = new("invalid_credentials", "", "Invalid username or password.");
    public static readonly AuthError Unauthenticated = new("unauthenticated", "", "You are not signed in, or your session has ended.");

    // The admin API (Admin/).
    public static readonly AuthError UsersCursorInvalid = new("cursor_invalid", "cursor", "cursor must be a nextCursor from an earlier answer; leave it out to start again.");
    public static readonly AuthError LimitInvalid = new("limit_invalid", "limit", "limit must be a whole number from 1 to 100.");
    public static readonly AuthError FilterInvalid = new("filter_invalid", "", "The filters locked, disabled, unverified and mfa take true or false.");
    public static readonly AuthError QueryInvalid = new("query_invalid", "q", "q must be at most 256 characters.");

    // The admin audit log's filters and paging (Admin/AdminAudit*.cs).
    public static readonly AuthError AuditUserIdInvalid = new("user_id_invalid", "userId", "userId must be a user's id (a GUID).");
    public static readonly AuthError AuditEventInvalid = new("event_invalid", "event", "event must be an event name of at most 32 characters, e.g. sign_in.");
    public static readonly AuthError AuditOutcomeInvalid = new("outcome_invalid", "outcome", "outcome must be an outcome of at most 32 characters, e.g. success or invalid_credentials.");
    public static readonly AuthError AuditFromInvalid = new("from_invalid", "from", "from must be an ISO 8601 instant, e.g. 2026-12-01T00:00:00Z.");
    public static readonly AuthError AuditToInvalid = new("to_invalid", "to", "to must be an ISO 8601 instant after from, e.g. 2026-12-02T00:00:00Z.");
    public static readonly AuthError AuditCursorInvalid = new("cursor_invalid", "cursor", "cursor must be a nextCursor from an earlier answer; leave it out to start again.");
    public static readonly AuthError AuditLimitInvalid = new("limit_invalid", "limit", "limit must be a whole number from 1 to 500.");

    // External identity providers (ExternalLogins/).
    public static readonly AuthError ExternalProviderNotFound = new("external_provider_not_found", "", "No such sign-in provider is configured here.");
    public static readonly AuthError LinkPendingInvalid = new("link_pending_invalid", "", "This link request has expired or was used. Sign in with the provider again.");
    public static readonly AuthError LinkAccountMismatch = new("link_account_mismatch", "", "You are signed in to another account than the one this sign-in belongs to. Sign out, then sign in to the account with that address.");
    public static readonly AuthError ExternalLoginExists = new("external_login_exists", "", "A login from this provider is already linked to your account.");
    public static readonly AuthError ExternalLoginNotFound = new("external_login_not_found", "", "No login from this provider is linked to your account.");
    public static readonly AuthError LastSignInMethod = new("last_sign_in_method", "", "This is the last way to sign in to your account. Set a password or add a passkey first.");
}
