/** The energy charts' queries (validated against `meshkit graphql sdl` by the unit tests). */

const BUCKET = "code start end value count expected complete qualities { quality value count }";

const SERIES_ARGS = "from: $from, to: $to, resolution: $resolution, timeZone: $timeZone";
const SERIES_VARS = "$from: DateTime!, $to: DateTime!, $resolution: SeriesResolution!, $timeZone: String";

/** Only plain field names go into a document. */
function assertName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a GraphQL field name (series field)`);
  return name;
}

/** One metering point's series `field` (`energy`: the grid operator's values, `calculated`: the community's). */
export function meteringPointEnergyQuery(field: string): string {
  return `query MeteringPointEnergy($id: ID!, ${SERIES_VARS}) {
  meteringPoint(id: $id) {
    id meteringPointId direction
    series: ${assertName(field)}(${SERIES_ARGS}) { ${BUCKET} }
  }
}`;
}

/**
 * A community's metering points whose participation overlaps the period, each with its series.
 * Participations still waiting for the grid operator's consent (or rejected) do not count.
 */
export function communityEnergyQuery(field: string): string {
  return `query CommunityEnergy($id: ID!, ${SERIES_VARS}, $firstDay: Date!, $lastDay: Date!, $codes: [String!]) {
  energyCommunity(id: $id) {
    id name timeZone
    participations(
      first: 1000
      filter: {
        status: { in: [ACTIVE, LEAVING, INACTIVE] }
        validFrom: { lte: $lastDay }
        or: [{ validTo: { isNull: true } }, { validTo: { gte: $firstDay } }]
      }
    ) {
      totalCount
      nodes {
        id
        meteringPoint {
          id meteringPointId direction
          series: ${assertName(field)}(${SERIES_ARGS}, codes: $codes) { ${BUCKET} }
        }
      }
    }
  }
}`;
}
