using Threshold.Server;
using Threshold.Server.Cli;
using Threshold.Server.Data;
using Threshold.Server.Demo;

if (OperatorCommands.IsCommand(args))
{
    var cliArgs = args;
    return await OperatorCommands.RunAsync(cliArgs, () => ThresholdServer.CreateBuilder(cliArgs).Build().Services, Console.Out);
}

if (DemoMode.IsRequested(args))
{
    return await DemoMode.RunAsync(args);
}

var app = ThresholdServer.CreateBuilder(args).Build().MapThreshold();
await app.Services.MigrateDatabaseAsync();
await app.RunAsync();
return 0;
