using Gatehouse.Api.Data;
using Gatehouse.Api.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

public static class UsersExtensions
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddOptions<PasswordHashingOptions>().BindConfiguration(PasswordHashingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordHashingOptions>, PasswordHashingOptionsValidator>();
        services.AddOptions<DemoUserOptions>().BindConfiguration(DemoUserOptions.Section);

        services.AddIdentityCore<User>(options =>
            {
                options.User.AllowedUserNameCharacters = UsernameRules.AllowedCharacters;
                // Email is optional, which Identity's RequireUniqueEmail does not allow; a unique
                // index and the sign-up handler keep it unique instead.
                options.User.RequireUniqueEmail = false;

                // Length and the common-password list are the rules (NIST SP 800-63B); no composition rules.
                options.Password.RequiredLength = PasswordRules.MinLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;

                // Passkeys (AspNetUserPasskeys); GatehouseDbContext fixes the same version for its model.
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;

                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            // Roles: the access token carries them, the API has a policy per role (Admin/).
            .AddRoles<Role>()
            .AddEntityFrameworkStores<GatehouseDbContext>()
            // Identity's EF store, with the authenticator key sealed and recovery codes hashed at rest (Mfa/MfaUserStore.cs).
            .AddUserStore<MfaUserStore>()
            // Authenticator-app codes, through UserManager.VerifyTwoFactorTokenAsync: Otp.NET, ±1 step, each step once (Mfa/).
            .AddTokenProvider<TotpTokenProvider>(TokenOptions.DefaultAuthenticatorProvider)
            .AddPasswordValidator<GatehousePasswordValidator>();

        services.Replace(ServiceDescriptor.Singleton<IPasswordHasher<User>, Argon2idPasswordHasher>());
        services.AddSingleton<DummyPassword>();
        services.AddSingleton<UserProfiles>();
        services.AddSingleton<CommonPasswords>();
        services.AddScoped<DemoUserSeeder>();
        services.AddScoped<FailedSignIns>();
        return services;
    }
}
