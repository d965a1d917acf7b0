/** The portal's hand-written queries (checked against the real schema by the unit tests). */

export const MEMBERS_QUERY = `
  query PortalMembers {
    participants(first: 200, orderBy: [{ memberNumber: ASC }]) {
      nodes {
        __typename id memberNumber
        ... on NaturalPerson { firstName lastName }
        ... on LegalPerson { companyName }
      }
    }
  }
`;

export const MEMBER_QUERY = `
  query PortalMember($id: ID!) {
    participant(id: $id) {
      __typename id memberNumber email phone joinedOn leftOn
      address { street houseNumber postalCode city country }
      ... on NaturalPerson { firstName lastName }
      ... on LegalPerson { companyName }
      community { id name }
      participations(first: 50, orderBy: [{ validFrom: DESC }]) {
        totalCount
        nodes {
          id participationFactor validFrom validTo status
          community { id name timeZone }
          meteringPoint { id meteringPointId direction designation }
        }
      }
      billingDocuments(first: 50, orderBy: [{ issueDate: DESC }]) {
        totalCount
        nodes {
          __typename id number issueDate dueDate grossAmount currency documentState
          files(first: 5) { nodes { id fileName mediaType } }
        }
      }
      # Files of their own (contracts, mandates); invoice PDFs come with their document above.
      documents(first: 50, orderBy: [{ createdAt: DESC }], filter: { billingDocumentId: { isNull: true } }) {
        totalCount
        nodes { id kind title fileName mediaType createdAt }
      }
    }
  }
`;

export const VIEWER_QUERY = `
  query PortalViewer {
    viewer { subject roles participantId }
  }
`;
