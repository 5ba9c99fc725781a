using Threshold.Demo;

// The whole system on loopback in one process; README.md ("The two commands") lists its ports and files.
return await DemoHost.RunAsync(args);
