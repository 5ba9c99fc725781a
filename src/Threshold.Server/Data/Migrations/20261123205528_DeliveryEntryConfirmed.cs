using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Threshold.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryEntryConfirmed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "EntryConfirmedAt",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EntryConfirmedAt",
                table: "Deliveries");
        }
    }
}
