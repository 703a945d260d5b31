// The checkers drive Linux sockets and processes; so do their tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
