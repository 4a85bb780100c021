using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Hosting;

/// <summary>
/// The console log cannot be forged: request paths, usernames and headers reach log messages, and a
/// CR/LF in one would otherwise start a line of the attacker's making. Outside Development the
/// console writes one JSON object per entry (Microsoft's JSON formatter escapes every control
/// character); in Development it writes the familiar text, with control characters escaped. An
/// explicit <c>Logging:Console:FormatterName</c> wins, except that <c>simple</c> means the escaped text.
/// </summary>
public static class ConsoleLogging
{
    public static WebApplicationBuilder AddGatehouseConsoleLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddGatehouseConsoleFormatters(builder.Environment);
        return builder;
    }

    internal static ILoggingBuilder AddGatehouseConsoleFormatters(this ILoggingBuilder logging, IHostEnvironment environment)
    {
        logging.AddConsole();
        logging.AddConsoleFormatter<EscapedTextConsoleFormatter, SimpleConsoleFormatterOptions>();
        var development = environment.IsDevelopment();
        logging.Services.PostConfigure<ConsoleLoggerOptions>(options =>
        {
            if (string.IsNullOrEmpty(options.FormatterName))
            {
                options.FormatterName = development ? EscapedTextConsoleFormatter.FormatterName : ConsoleFormatterNames.Json;
            }
            else if (string.Equals(options.FormatterName, ConsoleFormatterNames.Simple, StringComparison.OrdinalIgnoreCase))
            {
                // The built-in text formatter writes messages raw; ours is the same layout, escaped.
                options.FormatterName = EscapedTextConsoleFormatter.FormatterName;
            }
        });
        return logging;
    }
}

/// <summary>
/// Microsoft's simple console formatter (its layout, colours and FormatterOptions), given messages,
/// scopes and exceptions whose control characters are escaped (<c>\r</c>, <c>\n</c>, <c>\u001B</c>), so
/// a logged value can never end its line or drive the terminal.
/// </summary>
internal sealed class EscapedTextConsoleFormatter(IServiceProvider services) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "text";

    private ConsoleFormatter? _simple;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        // The built-in one is internal; it is one of the registered formatters (we cannot take them
        // all in the constructor, as this is one of them).
        _simple ??= services.GetServices<ConsoleFormatter>().First(f => f.Name == ConsoleFormatterNames.Simple);
        var format = logEntry.Formatter;
        var exception = logEntry.Exception;
        var escaped = new LogEntry<TState>(logEntry.LogLevel, logEntry.Category, logEntry.EventId, logEntry.State,
            exception is null ? null : new EscapedException(exception),
            (state, _) => LogText.Escape(format(state, exception)));
        _simple.Write(escaped, scopeProvider is null ? null : new EscapedScopes(scopeProvider), textWriter);
    }

    /// <summary>Scope values (e.g. a request path) are written through ToString: escape that.</summary>
    private sealed class EscapedScopes(IExternalScopeProvider inner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state) =>
            inner.ForEachScope(static (scope, pair) => pair.callback(scope is null ? null : LogText.Escape(scope.ToString()), pair.state), (callback, state));

        public IDisposable Push(object? state) => inner.Push(state);
    }

    /// <summary>
    /// An exception as the formatter prints it (ToString). Its messages, which may quote input, are
    /// escaped whole; the stack trace keeps its line breaks (the formatter indents each one), and
    /// every other control character is escaped.
    /// </summary>
    private sealed class EscapedException(Exception inner) : Exception(inner.Message)
    {
        public override string ToString()
        {
            var text = inner.ToString();
            foreach (var message in Messages(inner).Distinct())
            {
                var escaped = LogText.Escape(message);
                if (!ReferenceEquals(escaped, message))
                {
                    text = text.Replace(message, escaped, StringComparison.Ordinal);
                }
            }
            return LogText.Escape(text, keepLineFeeds: true);
        }

        private static IEnumerable<string> Messages(Exception exception)
        {
            yield return exception.Message;
            var inners = exception is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)[exception.InnerException!];
            foreach (var nested in inners.Where(e => e is not null))
            {
                foreach (var message in Messages(nested))
                {
                    yield return message;
                }
            }
        }
    }
}

/// <summary>Escapes what could end a log line or drive a terminal.</summary>
internal static class LogText
{
    // C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
    // overrides and isolates (which can make a line read as something it is not).
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c))
        + "\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    public static string Escape(string? text, bool keepLineFeeds = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        var next = text.AsSpan().IndexOfAny(Unsafe);
        if (next < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 16);
        var start = 0;
        while (next >= 0)
        {
            var at = start + next;
            builder.Append(text, start, at - start);
            var c = text[at];
            builder.Append(c switch
            {
                '\n' when keepLineFeeds => "\n",
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => $"\\u{(int)c:X4}",
            });
            start = at + 1;
            next = text.AsSpan(start).IndexOfAny(Unsafe);
        }
        builder.Append(text, start, text.Length - start);
        return builder.ToString();
    }
}
