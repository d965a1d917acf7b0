/** Names of model elements turned into words. */

/** "meteringPointId" → "Metering point id"; the fallback label when the model gives none. */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/_/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What a participant query selects for its name (NaturalPerson / LegalPerson fragments). */
export interface MemberName {
  __typename: string;
  memberNumber: string;
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
}

/** A participant's name: the company, else first and last name, else the member number. */
export function memberName(m: MemberName): string {
  if (m.companyName) return m.companyName;
  const name = [m.firstName, m.lastName].filter(Boolean).join(" ");
  return name || m.memberNumber;
}
