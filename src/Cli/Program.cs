using Kad.Cli;

return CliCommandLine.Build(Console.Out, Console.Error).Parse(args).Invoke();
