using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Gatehouse.Api.DataProtection;

/// <summary>
/// Data Protection's EF Core repository (the <c>DataProtectionKeys</c> table), with one addition: while
/// <see cref="KeyRingSeeder"/> holds the database's lock, a key Data Protection creates is handed to
/// the seeder, which writes it inside that lock's transaction, instead of being written on another
/// connection (which SQLite's write lock would make wait for the seeder: a deadlock).
/// </summary>
internal sealed class KeyRingRepository(IXmlRepository stored) : IXmlRepository
{
    private static readonly AsyncLocal<List<(XElement Element, string FriendlyName)>?> Capturing = new();

    public IReadOnlyCollection<XElement> GetAllElements() => stored.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        if (Capturing.Value is { } captured)
        {
            captured.Add((element, friendlyName));
            return;
        }
        stored.StoreElement(element, friendlyName);
    }

    /// <summary>Runs <paramref name="create"/> and returns the elements it stored instead of storing them.</summary>
    public static IReadOnlyList<(XElement Element, string FriendlyName)> Capture(Action create)
    {
        var captured = new List<(XElement, string)>();
        Capturing.Value = captured;
        try
        {
            create();
        }
        finally
        {
            Capturing.Value = null;
        }
        return captured;
    }
}
