using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Data;

/// <summary>Users (Identity, without roles) and their sessions.</summary>
public sealed class GatehouseDbContext(DbContextOptions<GatehouseDbContext> options)
    : IdentityUserContext<User, Guid>(options)
{
    public DbSet<Session> Sessions => Set<Session>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<User>(user =>
        {
            // Identity's email index is not unique; Gatehouse promises one account per email.
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        });

        builder.Entity<Session>(session =>
        {
            session.ToTable("Sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.UserAgent).HasMaxLength(Session.MaxUserAgentLength);
            session.Property(s => s.IpAddress).HasMaxLength(Session.MaxIpAddressLength);
            session.HasIndex(s => s.UserId);
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
