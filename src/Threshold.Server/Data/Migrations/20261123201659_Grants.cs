using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Threshold.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class Grants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "CredentialVersion",
                table: "Homes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "KeypadCodeLength",
                table: "Homes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "Credentials",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    HomeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ProtectedCode = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    AppUserId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Notify = table.Column<bool>(type: "INTEGER", nullable: false),
                    Film = table.Column<bool>(type: "INTEGER", nullable: false),
                    LockState = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Active = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Credentials", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Credentials_Homes_HomeId",
                        column: x => x.HomeId,
                        principalTable: "Homes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Grants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    HomeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Schedule = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    MaxEntries = table.Column<int>(type: "INTEGER", nullable: true),
                    EntriesUsed = table.Column<int>(type: "INTEGER", nullable: false),
                    Revoked = table.Column<bool>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Grants", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Grants_Homes_HomeId",
                        column: x => x.HomeId,
                        principalTable: "Homes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Credentials_AppUserId",
                table: "Credentials",
                column: "AppUserId");

            migrationBuilder.CreateIndex(
                name: "IX_Credentials_HomeId",
                table: "Credentials",
                column: "HomeId");

            migrationBuilder.CreateIndex(
                name: "IX_Grants_HomeId",
                table: "Grants",
                column: "HomeId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Credentials");

            migrationBuilder.DropTable(
                name: "Grants");

            migrationBuilder.DropColumn(
                name: "CredentialVersion",
                table: "Homes");

            migrationBuilder.DropColumn(
                name: "KeypadCodeLength",
                table: "Homes");
        }
    }
}
