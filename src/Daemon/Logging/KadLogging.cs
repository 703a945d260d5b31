using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Kad.Daemon.Logging;

/// <summary>Where the log goes, decided from the command line and the environment.</summary>
internal enum LogTarget
{
    /// <summary>stdout, readable (<c>-l</c> on a terminal or a pipe).</summary>
    Console,

    /// <summary>stdout with journald's <c>&lt;N&gt;</c> priority prefixes (<c>-l</c> under systemd: JOURNAL_STREAM set).</summary>
    Journal,

    /// <summary>syslog through /dev/log, facility daemon (keepalived's default, without <c>-l</c>).</summary>
    Syslog,
}

/// <summary>
/// Builds the Serilog logger as keepalived logs: to syslog unless <c>-l/--log-console</c> asks for the console (then
/// one line per event with priority prefixes under systemd, readable otherwise); with no syslog socket at all (a
/// container, the lab) the console is used instead so that nothing is lost. <c>-g/--log-file FILE</c> (or the
/// KAD_LOG_FILE variable) adds a file; <c>-D</c> adds debug detail.
/// </summary>
internal static class KadLogging
{
    private const string ConsoleTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static LogTarget Target(KadArguments arguments, Func<string, string?> environment, string syslogSocket = SyslogSink.DevLog)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        if (!arguments.LogConsole && File.Exists(syslogSocket))
        {
            return LogTarget.Syslog;
        }

        return string.IsNullOrEmpty(environment("JOURNAL_STREAM")) ? LogTarget.Console : LogTarget.Journal;
    }

    /// <summary>The file log, from -g/--log-file or else KAD_LOG_FILE; null for none.</summary>
    public static string? LogFile(KadArguments arguments, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        return arguments.LogFile is { Length: > 0 } file ? file : environment("KAD_LOG_FILE") is { Length: > 0 } variable ? variable : null;
    }

    public static Logger Create(KadArguments arguments, Func<string, string?> environment, string syslogSocket = SyslogSink.DevLog)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(arguments.LogDetail ? LogEventLevel.Debug : LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning);
        switch (Target(arguments, environment, syslogSocket))
        {
            case LogTarget.Syslog:
                configuration.WriteTo.Sink(new SyslogSink(syslogSocket));
                break;
            case LogTarget.Journal:
                // stdout is journald's stream: systemd reads <N> prefixes (SyslogLevelPrefix=yes) and stamps the time itself.
                configuration.WriteTo.Console(new JournalFormatter());
                break;
            default:
                configuration.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                break;
        }

        if (LogFile(arguments, environment) is { } file)
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
        output.Write('<');
        output.Write(Priority(logEvent.Level));
        output.Write('>');
        output.Write(Text(logEvent));
        output.Write('\n');
    }

    /// <summary>"Source: message | exception" on one line (syslog uses it too).</summary>
    internal static string Text(LogEvent logEvent)
    {
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

        return text.ToString().ReplaceLineEndings(" | ");
    }

    private static string ShortName(string name) => name.LastIndexOf('.') is var dot and >= 0 ? name[(dot + 1)..] : name;
}
