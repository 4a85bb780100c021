using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Email;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Data;

/// <summary>
/// Users (Identity's schema version 3, with passkeys, and roles: see Users/UsersExtensions.cs), their sessions and refresh tokens, their known devices, the audit
/// log, the token signing keys, and Data Protection's key ring (see DataProtection/). The app asks for this type; one subclass per database provider carries that
/// provider's migrations.
/// </summary>
public abstract class GatehouseDbContext(DbContextOptions options)
    : IdentityDbContext<User, Role, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<KnownDevice> KnownDevices => Set<KnownDevice>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<StoredSigningKey> SigningKeys => Set<StoredSigningKey>();
    public DbSet<AccountToken> AccountTokens => Set<AccountToken>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<AuthChallenge> AuthChallenges => Set<AuthChallenge>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<User>(user =>
        {
            // Identity's email index is not unique; Gatehouse promises one account per email.
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        });

        builder.Entity<Role>(role =>
        {
            // The built-in admin role exists from the first migration on, with one id on every instance.
            role.HasData(new Role(Gatehouse.Api.Users.Roles.Admin)
            {
                Id = Gatehouse.Api.Users.Roles.AdminId,
                NormalizedName = "ADMIN",
                ConcurrencyStamp = "4e0c7f1a-3b5d-4c8e-9f2a-6d1b0e7c5a93",
            });
        });

        builder.Entity<Session>(session =>
        {
            session.ToTable("Sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.UserAgent).HasMaxLength(Session.MaxUserAgentLength);
            session.Property(s => s.IpAddress).HasMaxLength(Session.MaxIpAddressLength);
            session.Property(s => s.RevokedReason).HasMaxLength(Session.MaxReasonLength);
            session.Property(s => s.AuthMethods).HasMaxLength(AuthMethods.MaxLength);
            session.HasIndex(s => s.UserId);
            // The revocation feed reads revocations by time; most sessions are never revoked, so
            // only the revoked ones are indexed (the same SQL on SQLite and PostgreSQL).
            session.HasIndex(s => s.RevokedAt).HasFilter("\"RevokedAt\" IS NOT NULL");
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<RefreshToken>(token =>
        {
            token.ToTable("RefreshTokens");
            token.HasKey(t => t.Id);
            // Looked up by hash on every refresh; unique so one value can never name two rows.
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.SessionId);
            // Each rotation clears the sealed copy its grandparent holds, found by this column.
            token.HasIndex(t => t.SuccessorId);
            token.HasOne<Session>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<KnownDevice>(device =>
        {
            device.ToTable("KnownDevices");
            device.HasKey(d => d.Id);
            // Looked up by hash on every sign-in that carries a device cookie; unique like refresh tokens.
            device.HasIndex(d => d.TokenHash).IsUnique();
            device.HasIndex(d => d.UserId);
            device.HasOne<User>().WithMany().HasForeignKey(d => d.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("AuditEvents");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Event).HasMaxLength(AuditEvent.MaxNameLength);
            audit.Property(a => a.Outcome).HasMaxLength(AuditEvent.MaxNameLength);
            audit.Property(a => a.UserAgent).HasMaxLength(Session.MaxUserAgentLength);
            audit.Property(a => a.IpAddress).HasMaxLength(Session.MaxIpAddressLength);
            audit.Property(a => a.Detail).HasMaxLength(AuditEvent.MaxDetailLength);
            // No foreign keys: the record of what happened outlives a deleted account or session.
            audit.HasIndex(a => new { a.UserId, a.At });
        });

        builder.Entity<StoredSigningKey>(key =>
        {
            key.ToTable("SigningKeys");
            key.HasKey(k => k.Kid);
            key.Property(k => k.Kid).HasMaxLength(StoredSigningKey.MaxKidLength);
            // Unique, so instances that start together on an empty table cannot each add a "first" key.
            key.HasIndex(k => k.Sequence).IsUnique();
            key.Property(k => k.PublicKey).HasMaxLength(StoredSigningKey.MaxPemLength);
            key.Property(k => k.PrivateKey).HasMaxLength(StoredSigningKey.MaxPemLength);
        });

        builder.Entity<AccountToken>(token =>
        {
            token.ToTable("AccountTokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Purpose).HasMaxLength(AccountToken.MaxPurposeLength);
            token.Property(t => t.Email).HasMaxLength(AccountToken.MaxEmailLength);
            token.Property(t => t.SecurityStamp).HasMaxLength(AccountToken.MaxStampLength);
            // Looked up by hash when a link is used; unique so one value can never name two rows.
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => new { t.UserId, t.Purpose });
            token.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<OutboxMessage>(mail =>
        {
            mail.ToTable("Outbox");
            mail.HasKey(m => m.Id);
            mail.Property(m => m.Kind).HasMaxLength(OutboxMessage.MaxKindLength);
            mail.Property(m => m.To).HasMaxLength(OutboxMessage.MaxAddressLength);
            mail.Property(m => m.Subject).HasMaxLength(OutboxMessage.MaxSubjectLength);
            mail.Property(m => m.LastError).HasMaxLength(OutboxMessage.MaxErrorLength);
            // The sender reads the unsent ones by due time; sent mails, the great majority, are not indexed.
            mail.HasIndex(m => m.NextAttemptAt).HasFilter("\"SentAt\" IS NULL AND \"GaveUpAt\" IS NULL");
        });

        builder.Entity<AuthChallenge>(challenge =>
        {
            challenge.ToTable("AuthChallenges");
            challenge.HasKey(c => c.Id);
            challenge.Property(c => c.Kind).HasMaxLength(AuthChallenge.MaxKindLength);
            challenge.Property(c => c.Methods).HasMaxLength(AuthChallenge.MaxMethodsLength);
            challenge.Property(c => c.SecurityStamp).HasMaxLength(AccountToken.MaxStampLength);
            challenge.Property(c => c.State).HasMaxLength(AuthChallenge.MaxStateLength);
            // Looked up by hash at each step; unique so one value can never name two rows.
            challenge.HasIndex(c => c.TokenHash).IsUnique();
            // The janitor deletes them by age.
            challenge.HasIndex(c => c.ExpiresAt);
            challenge.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        // Data Protection's package owns the row's shape; each row is one key (or revocation) element,
        // sealed outside Development (DataProtection/SealedKeyXml.cs).
        builder.Entity<DataProtectionKey>(key => key.ToTable("DataProtectionKeys"));
    }
}

/// <summary>The SQLite model and migrations (<c>Data/Migrations/Sqlite</c>): the default, one file on one machine.</summary>
public sealed class SqliteGatehouseDbContext(DbContextOptions<SqliteGatehouseDbContext> options) : GatehouseDbContext(options);

/// <summary>The PostgreSQL model and migrations (<c>Data/Migrations/Postgres</c>): for several API instances.</summary>
public sealed class PostgresGatehouseDbContext(DbContextOptions<PostgresGatehouseDbContext> options) : GatehouseDbContext(options);
