//! The HTTP API's routes, as the SAM template declares them (each function's `HttpApi` events,
//! printed by `scripts/functions.py --routes` as `METHOD PATH FUNCTION` lines), and how API
//! Gateway matches a request to one: the method exactly (or `ANY`), the path segment by segment,
//! `{name}` matching one non-empty segment and a last `{name+}` one or more; the most specific
//! route wins (a literal segment before `{name}` before `{name+}`, a method before `ANY`).

use std::fmt;
use std::str::FromStr;

use http::Method;

/// One route: `METHOD PATH` → function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// `None` for `ANY`.
    method: Option<Method>,
    segments: Vec<Segment>,
    function: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
    Greedy,
}

impl Segment {
    /// Lower is more specific.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Param => 1,
            Segment::Greedy => 2,
        }
    }
}

/// Why a `--route` value is not a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteError(String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (expected `METHOD PATH FUNCTION`, e.g. `GET /api/items/{{id}} items`)", self.0)
    }
}

impl std::error::Error for RouteError {}

impl FromStr for Route {
    type Err = RouteError;

    fn from_str(line: &str) -> Result<Route, RouteError> {
        let [method, path, function] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            return Err(RouteError(format!("{line:?} is not three words")));
        };
        let method = match method.to_ascii_uppercase().as_str() {
            "ANY" => None,
            m => Some(Method::from_str(m).map_err(|_| RouteError(format!("{method:?} is not a method")))?),
        };
        let rest = path.strip_prefix('/').ok_or_else(|| RouteError(format!("{path:?} does not start with /")))?;
        let parts: Vec<&str> = rest.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if name.ends_with('+') && i + 1 == parts.len() => Segment::Greedy,
                Some(name) if !name.is_empty() && !name.contains('+') => Segment::Param,
                Some(_) => return Err(RouteError(format!("{path:?}: bad parameter {part:?}"))),
                None => Segment::Literal((*part).to_owned()),
            };
            segments.push(segment);
        }
        // The function's name goes into the upstream URL's path.
        if function.is_empty() || !function.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(RouteError(format!("{function:?} is not a function name")));
        }
        Ok(Route { method, segments, function: function.to_owned() })
    }
}

impl Route {
    fn matches(&self, method: &Method, segments: &[&str]) -> bool {
        if self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        let mut given = segments.iter();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Greedy => {
                    let rest = segments.get(i..).unwrap_or_default();
                    return !rest.is_empty() && rest.iter().all(|s| !s.is_empty());
                }
                Segment::Literal(literal) => {
                    if given.next() != Some(&literal.as_str()) {
                        return false;
                    }
                }
                Segment::Param => {
                    if given.next().is_none_or(|s| s.is_empty()) {
                        return false;
                    }
                }
            }
        }
        given.next().is_none()
    }
}

/// The routes of the HTTP API.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes(Vec<Route>);

impl Routes {
    pub(crate) fn new(routes: Vec<Route>) -> Routes {
        Routes(routes)
    }

    /// The function that serves `method` `path` (the request's path, as received), if a route
    /// matches. A path with a `.` or `..` segment (also percent-encoded) matches none: the
    /// upstream URL would resolve it, and the request could reach another function's URL.
    pub(crate) fn function_for(&self, method: &Method, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        if segments.iter().any(|s| is_dot_segment(s)) {
            return None;
        }
        self.0
            .iter()
            .filter(|route| route.matches(method, &segments))
            .min_by_key(|route| (route.segments.iter().map(Segment::rank).collect::<Vec<_>>(), route.method.is_none()))
            .map(|route| route.function.as_str())
    }
}

fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(lines: &[&str]) -> Routes {
        Routes::new(lines.iter().map(|l| l.parse().expect("route")).collect())
    }

    /// Routes shaped like the template's (examples, not its functions: the template is their one list).
    fn example() -> Routes {
        routes(&[
            "POST /api/orders create_order",
            "OPTIONS /api/orders create_order",
            "POST /api/hooks hooks",
            "GET /api/hooks hooks",
            "GET /api/orders/{order_id} order_status",
            "OPTIONS /api/orders/{order_id} order_status",
        ])
    }

    #[test]
    fn routes_by_method_and_path_like_the_http_api() {
        let r = example();
        assert_eq!(r.function_for(&Method::POST, "/api/orders"), Some("create_order"));
        assert_eq!(r.function_for(&Method::OPTIONS, "/api/orders"), Some("create_order"));
        assert_eq!(r.function_for(&Method::GET, "/api/hooks"), Some("hooks"));
        assert_eq!(r.function_for(&Method::GET, "/api/orders/0000-x"), Some("order_status"));
        assert_eq!(r.function_for(&Method::OPTIONS, "/api/orders/%2F%00"), Some("order_status"));
    }

    #[test]
    fn other_methods_and_paths_match_nothing() {
        let r = example();
        for (method, path) in [
            (Method::GET, "/api/unrouted"),
            (Method::HEAD, "/api/hooks"),
            (Method::DELETE, "/api/orders/1"),
            (Method::GET, "/api/orders/"),
            (Method::PUT, "/api/orders"),
            (Method::GET, "/api/orders/1/2"),
            (Method::POST, "/api/orders/"),
            (Method::POST, "/api//orders"),
            (Method::POST, "/API/orders"),
            (Method::GET, "/api/unknown"),
            (Method::GET, "/api"),
            (Method::GET, "/"),
            (Method::GET, ""),
            (Method::GET, "/api/orders/.."),
            (Method::GET, "/api/orders/%2E%2e"),
            (Method::GET, "/api/orders/."),
        ] {
            assert_eq!(r.function_for(&method, path), None, "{method} {path}");
        }
    }

    #[test]
    fn the_most_specific_route_wins() {
        let r = routes(&[
            "ANY /api/{proxy+} fallback",
            "GET /api/items/{id} item",
            "GET /api/items/new new_item",
            "ANY /api/items/{id} any_item",
        ]);
        assert_eq!(r.function_for(&Method::GET, "/api/items/new"), Some("new_item"));
        assert_eq!(r.function_for(&Method::GET, "/api/items/7"), Some("item"));
        assert_eq!(r.function_for(&Method::PUT, "/api/items/7"), Some("any_item"));
        assert_eq!(r.function_for(&Method::GET, "/api/a/b/c"), Some("fallback"));
        assert_eq!(r.function_for(&Method::GET, "/api/a//c"), None);
        assert_eq!(r.function_for(&Method::GET, "/api/"), None);
    }

    #[test]
    fn malformed_routes_are_refused() {
        for line in [
            "",
            "GET /api/x",
            "GET /api/x f extra",
            "G(T /api/x f",
            "GET api/x f",
            "GET /api/{} f",
            "GET /api/{a+}/b f",
            "GET /api/x ../f",
            "GET /api/x f/g",
        ] {
            assert!(line.parse::<Route>().is_err(), "{line:?}");
        }
        assert!("any /api/{proxy+} f".parse::<Route>().is_ok());
    }
}
