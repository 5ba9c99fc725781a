using Threshold.Server;
using Threshold.Server.Cli;
using Threshold.Server.Data;

if (OperatorCommands.IsCommand(args))
{
    var cliArgs = args;
    return await OperatorCommands.RunAsync(cliArgs, () => ThresholdServer.CreateBuilder(cliArgs).Build().Services, Console.Out);
}

var app = ThresholdServer.CreateBuilder(args).Build().MapThreshold();
await app.Services.MigrateDatabaseAsync();
await app.RunAsync();
return 0;
