//! Where a stack's settings come from: the local stack's `functions.env` (what `make dev`
//! writes, scripts/lib/stack.sh) or a deployed stack's CloudFormation outputs
//! (infra/template.yaml `Outputs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use checkout::config::{Config, ConfigError, Env};
use serde::Deserialize;

use crate::AdminError;

/// The settings the functions would get, and where AWS is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackSettings {
    /// The functions' variables (`ORDERS_TABLE`, `MP_SECRET_ARN`, `ORDER_EVENTS_TOPIC_ARN`,
    /// `CATALOG_BUCKET`, `MP_API_BASE_URL`...).
    pub env: Vec<(String, String)>,
    /// `AWS_ENDPOINT_URL` of a local AWS stand-in (moto); `None`: real AWS with the default
    /// credential chain.
    pub aws_endpoint_url: Option<String>,
}

impl StackSettings {
    /// The functions' [`Config`] from these settings.
    ///
    /// # Errors
    /// [`ConfigError`] naming a missing or invalid variable.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let pairs: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Config::from(&Env::from_pairs(&pairs))
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses an env file: `KEY=VALUE` lines; blank lines and `#` comments skipped.
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The local stack `stack` (`make dev`'s is `dev`): `.dev/<stack>/functions.env` in `root` or
/// the nearest parent that has one.
///
/// # Errors
/// [`AdminError::Stack`] when there is no such file (the stack was never started).
pub fn local(root: &Path, stack: &str) -> Result<StackSettings, AdminError> {
    let file = root
        .ancestors()
        .map(|dir| dir.join(".dev").join(stack).join("functions.env"))
        .find(|f| f.is_file())
        .ok_or_else(|| {
            AdminError::Stack(format!(
                "no .dev/{stack}/functions.env in {} or its parents: start the local stack with `make dev` first",
                root.display()
            ))
        })?;
    from_env_file(&file)
}

/// The settings in an env file.
///
/// # Errors
/// [`AdminError::Stack`] when it cannot be read.
pub fn from_env_file(file: &PathBuf) -> Result<StackSettings, AdminError> {
    let text = std::fs::read_to_string(file).map_err(|e| AdminError::Stack(format!("{}: {e}", file.display())))?;
    let env = parse_env_file(&text);
    let aws_endpoint_url = env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL").map(|(_, v)| v.clone());
    Ok(StackSettings { env, aws_endpoint_url })
}

/// One stack output, as `describe-stacks` prints it.
#[derive(Debug, Deserialize)]
struct Output {
    #[serde(rename = "OutputKey")]
    key: String,
    #[serde(rename = "OutputValue")]
    value: String,
}

/// The settings from a deployed stack's outputs (the JSON array `Stacks[0].Outputs`):
/// `OrdersTableName`, `MercadoPagoSecretArn`, `OrderEventsTopicArn`, `SiteBucketName` (the
/// catalog). Mercado Pago is its real API unless `mp_api_base_url` says otherwise.
///
/// # Errors
/// [`AdminError::Stack`] when the JSON is not a list of outputs or one is missing.
pub fn from_outputs(outputs_json: &str, mp_api_base_url: Option<&str>) -> Result<StackSettings, AdminError> {
    let outputs: Vec<Output> = serde_json::from_str(outputs_json)
        .map_err(|e| AdminError::Stack(format!("stack outputs are not CloudFormation's Outputs list: {e}")))?;
    let output = |key: &str| {
        outputs.iter().find(|o| o.key == key).map(|o| o.value.clone()).ok_or_else(|| {
            AdminError::Stack(format!("the stack has no output {key} (deployed from infra/template.yaml?)"))
        })
    };
    let mut env = vec![
        ("ORDERS_TABLE".to_owned(), output("OrdersTableName")?),
        ("MP_SECRET_ARN".to_owned(), output("MercadoPagoSecretArn")?),
        ("ORDER_EVENTS_TOPIC_ARN".to_owned(), output("OrderEventsTopicArn")?),
        ("CATALOG_BUCKET".to_owned(), output("SiteBucketName")?),
    ];
    if let Some(url) = mp_api_base_url {
        env.push(("MP_API_BASE_URL".to_owned(), url.to_owned()));
    }
    Ok(StackSettings { env, aws_endpoint_url: None })
}

/// A deployed stack's settings, from CloudFormation `DescribeStacks` through the AWS CLI (as
/// scripts/deploy.sh reads them; the same default credential chain and region as the SDK).
///
/// # Errors
/// [`AdminError::Stack`] when the CLI is missing or the stack cannot be described.
pub fn deployed(stack: &str, mp_api_base_url: Option<&str>) -> Result<StackSettings, AdminError> {
    let out = Command::new("aws")
        .args(["cloudformation", "describe-stacks", "--stack-name", stack])
        .args(["--query", "Stacks[0].Outputs", "--output", "json"])
        .output()
        .map_err(|e| AdminError::Stack(format!("could not run the AWS CLI (`aws`): {e}")))?;
    if !out.status.success() {
        return Err(AdminError::Stack(format!(
            "describe-stacks {stack}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    from_outputs(&String::from_utf8_lossy(&out.stdout), mp_api_base_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_are_key_value_lines() {
        let env = parse_env_file("# c\nORDERS_TABLE=orders\n\nAWS_ENDPOINT_URL=http://127.0.0.1:5055\nBAD\n");
        assert_eq!(
            env,
            vec![
                ("ORDERS_TABLE".to_owned(), "orders".to_owned()),
                ("AWS_ENDPOINT_URL".to_owned(), "http://127.0.0.1:5055".to_owned())
            ]
        );
    }

    #[test]
    fn outputs_name_the_table_secret_topic_and_bucket() {
        let json = r#"[{"OutputKey":"OrdersTableName","OutputValue":"t"},{"OutputKey":"MercadoPagoSecretArn","OutputValue":"arn:s"},
            {"OutputKey":"OrderEventsTopicArn","OutputValue":"arn:t"},{"OutputKey":"SiteBucketName","OutputValue":"b"}]"#;
        let settings = from_outputs(json, None).map_err(|e| e.to_string());
        let settings = settings.unwrap_or_default();
        assert_eq!(settings.get("ORDERS_TABLE"), Some("t"));
        assert_eq!(settings.get("CATALOG_BUCKET"), Some("b"));
        assert!(settings.aws_endpoint_url.is_none());
        assert!(settings.config().is_ok());
        assert!(from_outputs("[]", None).is_err());
    }
}
