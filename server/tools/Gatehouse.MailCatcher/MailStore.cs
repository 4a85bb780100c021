using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Gatehouse.MailCatcher;

/// <summary>One mail as it arrived: the envelope's recipients, the parsed parts and the raw source.</summary>
public sealed record CaughtMail(
    string Id,
    string From,
    IReadOnlyList<string> To,
    string Subject,
    DateTimeOffset ReceivedAt,
    string? Text,
    string? Html,
    [property: JsonIgnore] byte[] Raw)
{
    /// <summary>Whether <paramref name="address"/> is one of the recipients (addresses compare case-insensitively).</summary>
    public bool IsTo(string address) => To.Any(to => string.Equals(to, address.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>The last <see cref="CatcherOptions.MaxMessages"/> mails, in memory; gone when the catcher stops.</summary>
public sealed class MailStore(IOptions<CatcherOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<CaughtMail> _mails = new(); // newest first
    private long _lastId;
    private long _version;

    /// <summary>Changes whenever a mail arrives or all are deleted; the page polls it to refresh itself.</summary>
    public long Version
    {
        get
        {
            lock (_lock)
            {
                return _version;
            }
        }
    }

    public CaughtMail Add(string from, IReadOnlyList<string> to, string subject, string? text, string? html, byte[] raw)
    {
        lock (_lock)
        {
            var mail = new CaughtMail((++_lastId).ToString(System.Globalization.CultureInfo.InvariantCulture),
                from, to, subject, time.GetUtcNow(), text, html, raw);
            _mails.AddFirst(mail);
            while (_mails.Count > options.Value.MaxMessages)
            {
                _mails.RemoveLast();
            }
            _version++;
            return mail;
        }
    }

    /// <summary>Every mail kept, newest first; only those to <paramref name="to"/> when given.</summary>
    public IReadOnlyList<CaughtMail> List(string? to = null)
    {
        lock (_lock)
        {
            return string.IsNullOrWhiteSpace(to) ? [.. _mails] : [.. _mails.Where(m => m.IsTo(to))];
        }
    }

    public CaughtMail? Find(string id)
    {
        lock (_lock)
        {
            return _mails.FirstOrDefault(m => m.Id == id);
        }
    }

    /// <summary>Deletes every mail, or only those to <paramref name="to"/> when given.</summary>
    public void Clear(string? to = null)
    {
        lock (_lock)
        {
            if (string.IsNullOrWhiteSpace(to))
            {
                _mails.Clear();
            }
            else
            {
                for (var node = _mails.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.IsTo(to))
                    {
                        _mails.Remove(node);
                    }
                    node = next;
                }
            }
            _version++;
        }
    }
}
