//! Access tokens for the MIS API: a configured bearer token, or the OAuth 2.0
//! client-credentials grant (the `oauth2` crate) with the token kept until the API refuses it.

use crate::config::{AuthConfig, Secret};
use familygraph_adapter_sdk::{AdapterError, Location};
use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, ClientSecret, EndpointNotSet, EndpointSet, RequestTokenError, Scope, TokenResponse,
    TokenUrl,
};
use std::time::Duration;
use tokio::sync::Mutex;

type TokenClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Where the API's access token comes from.
pub(crate) enum Credentials {
    /// A fixed token, read from its secret on every use (so a rotated file is picked up).
    Bearer(Secret),
    /// A client-credentials token, cached.
    ClientCredentials {
        token_url: String,
        client_id: String,
        client_secret: Secret,
        scopes: Vec<String>,
        http: reqwest::Client,
        cached: Mutex<Option<String>>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bearer(secret) => f.debug_tuple("Bearer").field(secret).finish(),
            Self::ClientCredentials {
                token_url,
                client_id,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("token_url", token_url)
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

impl Credentials {
    /// Credentials for `auth`; token requests give up after `timeout`.
    pub(crate) fn new(auth: &AuthConfig, timeout: Duration) -> Result<Self, AdapterError> {
        Ok(match auth {
            AuthConfig::Bearer { token } => Self::Bearer(token.clone()),
            AuthConfig::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scopes,
            } => Self::ClientCredentials {
                token_url: token_url.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                scopes: scopes.clone(),
                // The token endpoint must not redirect the client secret elsewhere.
                http: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(timeout)
                    .build()
                    .map_err(|e| AdapterError::Config {
                        reason: format!("token HTTP client: {e}"),
                    })?,
                cached: Mutex::new(None),
            },
        })
    }

    /// Whether a refused token can be replaced by asking for a new one.
    pub(crate) fn refreshable(&self) -> bool {
        matches!(self, Self::ClientCredentials { .. })
    }

    /// The current token: the cached one, or a new one.
    pub(crate) async fn token(&self) -> Result<String, AdapterError> {
        match self {
            Self::Bearer(secret) => secret.read(),
            Self::ClientCredentials { cached, .. } => {
                let mut cached = cached.lock().await;
                if let Some(token) = cached.as_ref() {
                    return Ok(token.clone());
                }
                let token = self.request().await?;
                *cached = Some(token.clone());
                Ok(token)
            }
        }
    }

    /// Replaces `refused` with a new token (unless another request already has).
    pub(crate) async fn refresh(&self, refused: &str) -> Result<String, AdapterError> {
        match self {
            Self::Bearer(secret) => secret.read(),
            Self::ClientCredentials { cached, .. } => {
                let mut cached = cached.lock().await;
                if let Some(token) = cached.as_ref().filter(|t| t.as_str() != refused) {
                    return Ok(token.clone());
                }
                let token = self.request().await?;
                *cached = Some(token.clone());
                Ok(token)
            }
        }
    }

    /// Asks the token endpoint for a token with the client-credentials grant.
    async fn request(&self) -> Result<String, AdapterError> {
        let Self::ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scopes,
            http,
            ..
        } = self
        else {
            return Err(AdapterError::Config {
                reason: "not a client-credentials configuration".to_owned(),
            });
        };
        let url = TokenUrl::new(token_url.clone()).map_err(|e| AdapterError::Config {
            reason: format!("auth.token_url: {e}"),
        })?;
        let client: TokenClient = BasicClient::new(ClientId::new(client_id.clone()))
            .set_client_secret(ClientSecret::new(client_secret.read()?))
            .set_token_uri(url);
        let mut request = client.exchange_client_credentials();
        for scope in scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        match request.request_async(http).await {
            Ok(response) => Ok(response.access_token().secret().clone()),
            // The provider refused the client: the same request will be refused again.
            Err(RequestTokenError::ServerResponse(_)) => Err(AdapterError::Status {
                target: token_url.clone(),
                status: 401,
            }),
            Err(RequestTokenError::Request(e)) => Err(AdapterError::Unreachable {
                target: token_url.clone(),
                message: e.to_string(),
            }),
            Err(RequestTokenError::Parse(e, _)) => Err(AdapterError::malformed(
                Location::document(token_url.clone()),
                format!("not a token response: {e}"),
            )),
            Err(RequestTokenError::Other(message)) => Err(AdapterError::malformed(
                Location::document(token_url.clone()),
                message,
            )),
        }
    }
}
