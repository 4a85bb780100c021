using Gatehouse.Api.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace Gatehouse.Api.Security;

public static class RequestLimits
{
    /// <summary>Auth bodies are a few hundred bytes; 16 KiB bounds what a client can make us parse and hash.</summary>
    public const long MaxBodyBytes = 16 * 1024;

    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // Auth responses carry credentials or say who is signed in: never store them in a cache.
            // Endpoints that may be cached (the JWKS) set their own Cache-Control.
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (string.IsNullOrEmpty(response.Headers.CacheControl))
                {
                    response.Headers.CacheControl = "no-store";
                }
                response.Headers.XContentTypeOptions = "nosniff";
                // No other origin may embed an answer as an image or script (CORS reads are unaffected).
                response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
                return Task.CompletedTask;
            }, context.Response);

            // A declared length over the limit is refused before any byte is read. Kestrel enforces
            // the same limit on chunked bodies as they are read (its MaxRequestBodySize).
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                await context.WriteProblemAsync(StatusCodes.Status413PayloadTooLarge,
                    "Request body too large", $"Request bodies are limited to {MaxBodyBytes / 1024} KiB.");
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }
            else
            {
                // Servers without the feature (the in-memory test server) get the same limit here.
                context.Request.Body = new LimitedReadStream(context.Request.Body, MaxBodyBytes);
            }
            await next(context);
        });
        return app;
    }
}

/// <summary>Reads through to the request body and fails with 413 once more than the limit has been read.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        if (_read > limit)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
