using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Threshold.Server.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the server.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<ThresholdDbContext>
{
    public ThresholdDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ThresholdDbContext>().UseSqlite("Data Source=design.db").Options);
}
