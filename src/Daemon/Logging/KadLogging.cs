using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Kad.Daemon.Logging;

/// <summary>Builds the Serilog logger for the command line and environment: console readable, journald one line per event.</summary>
internal static class KadLogging
{
    private const string ConsoleTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static Logger Create(KadArguments arguments, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(arguments.LogDetail ? LogEventLevel.Debug : LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
        if (!string.IsNullOrEmpty(environment("JOURNAL_STREAM")))
        {
            // stdout is journald's stream: systemd reads <N> prefixes (SyslogLevelPrefix=yes) and stamps the time itself.
            configuration.WriteTo.Console(new JournalFormatter());
        }
        else
        {
            // Without a syslog sink (none restores here) the console is kad's log whether or not -l was given.
            configuration.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        if (environment("KAD_LOG_FILE") is { Length: > 0 } file)
        {
            configuration.WriteTo.File(file, outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }

        return configuration.CreateLogger();
    }
}

/// <summary>
/// One line per event for journald: <c>&lt;N&gt;</c> syslog priority (sd-daemon.h SD_ERR..SD_DEBUG), the source, the
/// message, and any exception folded onto the same line so a stack trace is still one journal entry.
/// </summary>
internal sealed class JournalFormatter : ITextFormatter
{
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2, // LOG_CRIT
        LogEventLevel.Error => 3, // LOG_ERR
        LogEventLevel.Warning => 4, // LOG_WARNING
        LogEventLevel.Information => 6, // LOG_INFO
        _ => 7, // LOG_DEBUG
    };

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        if (logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var source) && source is ScalarValue { Value: string name })
        {
            text.Write(ShortName(name));
            text.Write(": ");
        }

        logEvent.RenderMessage(text, System.Globalization.CultureInfo.InvariantCulture);
        if (logEvent.Exception is { } exception)
        {
            text.Write(" | ");
            text.Write(exception.ToString());
        }

        output.Write('<');
        output.Write(Priority(logEvent.Level));
        output.Write('>');
        output.Write(text.ToString().ReplaceLineEndings(" | "));
        output.Write('\n');
    }

    private static string ShortName(string name) => name.LastIndexOf('.') is var dot and >= 0 ? name[(dot + 1)..] : name;
}
