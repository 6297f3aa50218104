using System.Security.Claims;
using FacilityGateway.Commands.Writes;
using FacilityGateway.Configuration;
using FacilityGateway.Tickets;
using Microsoft.AspNetCore.Identity;

namespace FacilityGateway.Dashboard;

/// <summary>
/// Who may sign in to the dashboard: the on-call contacts with a line <c>person:hash</c> in
/// <c>dashboard.passwords_file</c> (ASP.NET Core Identity's password hasher: PBKDF2 with a salt; <c>facility-gateway
/// dashboard password PERSON</c> writes the line). Their role is theirs in <c>control.people</c>; anyone else signed in
/// is a viewer. The file is read at each sign-in, so a changed password counts at once.
/// </summary>
public sealed class DashboardPeople(DashboardPlan plan)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>The claim that carries the person's role.</summary>
    public const string RoleClaim = ClaimTypes.Role;

    /// <summary>Whether anyone can sign in (a passwords file is configured).</summary>
    public bool Enabled => plan.Options.PasswordsFile is { Length: > 0 };

    /// <summary>The hash line of a password, for the passwords file.</summary>
    public static string HashLine(string person, string password) => $"{person}:{Hasher.HashPassword(person, password)}";

    /// <summary>The signed-in identity of <paramref name="person"/>, or null when the password does not match (or they have no line).</summary>
    public ClaimsPrincipal? SignIn(string person, string password)
    {
        if (plan.Options.PasswordsFile is not { Length: > 0 } file || !plan.Contacts.ContainsKey(person))
            return null;
        string? hash = null;
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line.AsSpan(0, colon).SequenceEqual(person))
                    hash = line[(colon + 1)..].Trim();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (hash is null || Hasher.VerifyHashedPassword(person, hash, password) == PasswordVerificationResult.Failed)
            return null;
        string role = plan.Control.People.GetValueOrDefault(person) ?? "viewer";
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, person), new Claim(RoleClaim, role)], "password"));
    }
}
