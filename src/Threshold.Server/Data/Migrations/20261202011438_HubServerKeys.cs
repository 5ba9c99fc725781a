using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Threshold.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class HubServerKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PendingKid",
                table: "Hubs",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TrustedKid",
                table: "Hubs",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PendingKid",
                table: "Hubs");

            migrationBuilder.DropColumn(
                name: "TrustedKid",
                table: "Hubs");
        }
    }
}
