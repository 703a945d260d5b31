using Kad.Daemon;

return KadCommandLine.Build(DaemonEntry.Run, Console.Out).Parse(args).Invoke();
