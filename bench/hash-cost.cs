#:package NSec.Cryptography@26.4.0
// The CPU cost of one password hash on this machine, on one thread, for the hash Gatehouse uses and
// for the hashes Keycloak's published sizing was measured with, so that capacity.sh can say how much
// of a sign-in is the hash and docs/capacity.md can compare like with like.
// Prints one tab-separated line per hash: name, threads, CPU milliseconds per hash, of which system
// (kernel) time, hashes per CPU-second. libsodium maps a fresh region for Argon2's memory on every hash
// and unmaps it after, so the kernel's work of supplying 19 MiB of zeroed pages is part of each hash.
// Run by bench/capacity.sh: dotnet run bench/hash-cost.cs [seconds per hash, default 2]
using System.Diagnostics;
using System.Security.Cryptography;
using NSec.Cryptography;

var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2.0;
var salt = RandomNumberGenerator.GetBytes(16);
const string password = "correct horse battery staple";

// On one thread, and on as many threads as the API hashes at once (2 per core): hashes that run
// side by side share caches and memory bandwidth, and a memory-hard hash then costs more CPU time.
var concurrent = 2 * Environment.ProcessorCount;
foreach (var threads in new[] { 1, concurrent })
{
    Measure("argon2id m=19456 t=2 p=1 (Gatehouse, libsodium)", threads, () => Argon2id(19 * 1024, 2));
}
Measure("argon2id m=7168 t=5 p=1 (Keycloak's sizing runs, here in libsodium)", 1, () => Argon2id(7 * 1024, 5));
Measure("pbkdf2-sha256 27500 (Keycloak's earlier default, .NET)", 1, () => Rfc2898DeriveBytes.Pbkdf2(password, salt, 27_500, HashAlgorithmName.SHA256, 32));

byte[] Argon2id(int memoryKiB, int passes) =>
    PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
    {
        DegreeOfParallelism = 1,
        MemorySize = memoryKiB,
        NumberOfPasses = passes,
    }).DeriveBytes(password, salt, 32);

void Measure(string name, int threads, Func<byte[]> hash)
{
    hash(); // warm up: JIT, and the first touch of the hash's memory
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var systemBefore = process.PrivilegedProcessorTime;
    var wall = Stopwatch.StartNew();
    var count = 0;
    var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
    {
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            hash();
            Interlocked.Increment(ref count);
        }
    })).ToList();
    workers.ForEach(worker => worker.Start());
    workers.ForEach(worker => worker.Join());
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    var system = (process.PrivilegedProcessorTime - systemBefore).TotalSeconds;
    Console.WriteLine(FormattableString.Invariant($"{name}\t{threads}\t{cpu * 1000 / count:F1}\t{system * 1000 / count:F1}\t{count / cpu:F1}"));
}
