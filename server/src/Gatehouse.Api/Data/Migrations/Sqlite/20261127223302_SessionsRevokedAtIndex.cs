using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Gatehouse.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionsRevokedAtIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Sessions_RevokedAt",
                table: "Sessions",
                column: "RevokedAt",
                filter: "\"RevokedAt\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Sessions_RevokedAt",
                table: "Sessions");
        }
    }
}
