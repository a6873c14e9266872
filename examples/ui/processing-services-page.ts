/**
 * The UI's processing-service page: every field of a service and of everything nested under it.
 * The statement-count test, the query cost test and bench:api all send this one selection, so
 * what they prove and measure is the page the UI really asks for.
 */
export const PROCESSING_SERVICES_PAGE_FIELDS = `
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id name description endpointUrl mode status lastSeen lastSeenLive
        lastSeenClientInfo { hostname software version platform podName ip userAgent extra }
        apiKeyPrefix
        apiKeys { id prefix name createdAt expiresAt revokedAt lastUsedAt }
        projects { id name description createdAt updatedAt }
        pipelines {
          id name slug version description createdAt updatedAt
          stages { key name description params { name key category } }
          algorithms {
            id key name version versionName description taskType uri
            categoryMap { data labels version description uri }
          }
        }
        createdAt updatedAt
      }
    }`;

/** The page as one operation; `first` goes in a variable, as the UI sends it. */
export const PROCESSING_SERVICES_PAGE = `query ProcessingServicesPage($projectId: ID!, $first: Int!) {
  processingServices(projectId: $projectId, first: $first) {${PROCESSING_SERVICES_PAGE_FIELDS}
  }
}`;
