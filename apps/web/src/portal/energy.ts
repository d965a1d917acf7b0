/** Which metering points the portal's "my energy" offers: each once, those the community counts. */
export interface ParticipationLike {
  status: string;
  community: { timeZone: string };
  meteringPoint: { id: string; meteringPointId: string; designation: string | null } | null;
}

export interface EnergyPoint {
  id: string;
  label: string;
  timeZone: string;
}

/** Participations the grid operator never confirmed (requested, pending, rejected) have no community energy. */
const COUNTED = new Set(["ACTIVE", "LEAVING", "INACTIVE"]);

export function energyPoints(participations: readonly ParticipationLike[]): EnergyPoint[] {
  const seen = new Map<string, EnergyPoint>();
  for (const p of participations) {
    const mp = p.meteringPoint;
    if (!mp || !COUNTED.has(p.status) || seen.has(mp.id)) continue;
    seen.set(mp.id, {
      id: mp.id,
      label: mp.designation ? `${mp.meteringPointId} (${mp.designation})` : mp.meteringPointId,
      timeZone: p.community.timeZone,
    });
  }
  return [...seen.values()];
}
