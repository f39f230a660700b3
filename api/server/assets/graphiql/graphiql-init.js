// Bootstrap for the familygraph GraphiQL page. Kept in its own file so the
// page's Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';

  var endpoint = '/graphql';
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var subscriptionUrl = wsScheme + '//' + window.location.host + endpoint;

  // Headers typed in the Headers pane are sent with every HTTP request and,
  // for subscriptions, as the graphql-ws connection_init payload.
  var fetcher = GraphiQL.createFetcher({
    url: endpoint,
    subscriptionUrl: subscriptionUrl,
  });

  var defaultHeaders = JSON.stringify(
    { Authorization: 'Bearer PASTE-TOKEN-FROM-familygraph-token' },
    null,
    2
  );
  // GraphiQL gives every new tab the default headers. Once a token has been
  // pasted (and persisted by shouldPersistHeaders), reuse it for new tabs.
  try {
    var stored = window.localStorage.getItem('graphiql:headers');
    if (
      stored &&
      stored.indexOf('Authorization') !== -1 &&
      stored.indexOf('PASTE-TOKEN') === -1
    ) {
      defaultHeaders = stored;
    }
  } catch (e) {
    // localStorage unavailable (privacy mode): keep the placeholder.
  }

  var defaultQuery = [
    '# Welcome to the familygraph GraphQL API.',
    '#',
    '# Every request needs a bearer token:',
    '#',
    '#   familygraph token --role administrator',
    '#',
    '# Paste the token into the Headers pane below,',
    '# over PASTE-TOKEN-FROM-familygraph-token,',
    '# then press Run (or Ctrl-Enter).',
    '',
    '{',
    '  __typename',
    '}',
    '',
  ].join('\n');

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
