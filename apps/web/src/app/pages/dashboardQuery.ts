/** The dashboard's one query (checked against the real schema by the unit tests). */

export const DASHBOARD_QUERY = `
  query Dashboard {
    energyCommunities(first: 5, orderBy: [{ name: ASC }]) { totalCount nodes { id name kind allocationModel } }
    participants(first: 1) { totalCount }
    pendingChangeRequests: changeRequests(first: 1, filter: { requestState: { eq: PENDING } }) { totalCount }
    meteringPoints(first: 1) { totalCount }
    activeParticipations: participations(first: 1, filter: { status: { eq: ACTIVE } }) { totalCount }
    billingRuns(first: 1, orderBy: [{ createdAt: DESC }]) {
      totalCount
      nodes { id periodStart periodEnd kind runState documentCount finishedAt community { id name } }
    }
    openEda: edaProcesses(
      first: 5
      filter: { processState: { in: [OPEN, AWAITING_RESPONSE] } }
      orderBy: [{ deadline: ASC }]
    ) {
      totalCount
      nodes { id processCode processState deadline conversationId community { id name } }
    }
    quarantined: edaMessages(first: 5, filter: { status: { eq: QUARANTINED } }, orderBy: [{ createdAt: DESC }]) {
      totalCount
      nodes { id messageCode receivedAt errors { code message } }
    }
  }
`;
