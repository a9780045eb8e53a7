/* Simulated Plaid Link: the same API as https://cdn.plaid.com/link/v2/stable/link-initialize.js
 * (window.Plaid.create({token, onSuccess, onExit, onEvent, onLoad, receivedRedirectUri}) returning
 * {open, exit, destroy, submit}), talking only to the simulator that served this script.
 * Sandbox credentials: user_good / pass_good. OAuth banks hand over to the bank's page and
 * resume when Plaid.create is called again with receivedRedirectUri. Plain JavaScript. */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = script ? script.src.replace(/\/link\/link-initialize\.js(\?.*)?$/, '') : '/sim';
  var STYLE_ID = 'sim-plaid-link-style';

  function addStyle() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent =
      '.spl-backdrop{position:fixed;inset:0;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;font-family:system-ui,sans-serif}' +
      '.spl-modal{background:#fff;color:#111827;border-radius:14px;width:min(420px,94vw);max-height:92vh;overflow:auto;padding:20px 22px;box-shadow:0 20px 50px rgba(0,0,0,.3)}' +
      '.spl-modal h2{font-size:1.15rem;margin:0 0 12px}.spl-modal p{margin:.3rem 0 .8rem;color:#4b5563}' +
      '.spl-modal label{display:block;font-size:.9rem;margin:.6rem 0 .2rem}.spl-modal input[type=text],.spl-modal input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #d1d5db;border-radius:8px;font:inherit}' +
      '.spl-modal button{font:inherit;padding:.55rem .9rem;border-radius:8px;border:1px solid #d1d5db;background:#fff;cursor:pointer}' +
      '.spl-modal .spl-primary{background:#111827;color:#fff;border-color:#111827;width:100%;margin-top:1rem}' +
      '.spl-inst{display:block;width:100%;text-align:left;margin:.35rem 0}.spl-head{display:flex;justify-content:space-between;align-items:center}' +
      '.spl-error{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:8px;padding:.5rem .7rem}.spl-acct{display:flex;gap:.5rem;align-items:center;margin:.4rem 0}';
    document.head.appendChild(style);
  }

  function post(path, body) {
    return fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw json;
        return json;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function create(config) {
    if (!config || typeof config.token !== 'string') throw new Error('Plaid.create needs a token');
    var session = null;
    var loaded = false;
    var openQueued = false;
    var destroyed = false;
    var backdrop = null;
    var previousFocus = null;
    var chosen = null;
    var credentials = null;
    var oauthStateId = null;
    var linkSessionId = null;

    function event(name, extra) {
      if (!config.onEvent) return;
      var metadata = {
        error_type: null, error_code: null, error_message: null, exit_status: null,
        institution_id: chosen ? chosen.institution_id : null, institution_name: chosen ? chosen.name : null,
        institution_search_query: null, is_update_mode: !!(session && session.update_mode), match_reason: null,
        mfa_type: null, view_name: null, selection: null, timestamp: new Date().toISOString(),
        link_session_id: linkSessionId, request_id: null,
      };
      Object.keys(extra || {}).forEach(function (k) { metadata[k] = extra[k]; });
      config.onEvent(name, metadata);
    }

    function close() {
      if (backdrop) {
        backdrop.remove();
        backdrop = null;
        document.removeEventListener('keydown', onKey, true);
        if (previousFocus && previousFocus.focus) previousFocus.focus();
      }
    }

    function exit(error, status) {
      close();
      event('EXIT', { exit_status: status || null, error_code: error ? error.error_code : null });
      if (config.onExit) {
        config.onExit(error || null, {
          institution: chosen ? { name: chosen.name, institution_id: chosen.institution_id } : null,
          status: status || null, link_session_id: linkSessionId, request_id: null,
        });
      }
    }

    function exitStatus() {
      if (!chosen) return 'institution_not_found';
      return chosen.oauth ? 'requires_oauth' : 'requires_credentials';
    }

    function onKey(e) {
      if (e.key === 'Escape') { e.preventDefault(); exit(null, exitStatus()); }
      if (e.key === 'Tab' && backdrop) {
        var focusable = backdrop.querySelectorAll('button,input');
        if (!focusable.length) return;
        var first = focusable[0], last = focusable[focusable.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      }
    }

    function render(title, body) {
      var heading = el('h2', { id: 'spl-title', text: title });
      var closeButton = el('button', { type: 'button', 'aria-label': 'Close', text: '\u00d7', onclick: function () { exit(null, exitStatus()); } });
      var modal = el('div', { class: 'spl-modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'spl-title' },
        [el('div', { class: 'spl-head' }, [heading, closeButton])].concat(body));
      // An OAuth return: Plaid resumes the session; the simulator shows where it resumed from.
      if (config.receivedRedirectUri) modal.setAttribute('data-received-redirect-uri', config.receivedRedirectUri);
      if (!backdrop) {
        previousFocus = document.activeElement;
        backdrop = el('div', { class: 'spl-backdrop' });
        document.body.appendChild(backdrop);
        document.addEventListener('keydown', onKey, true);
      }
      backdrop.replaceChildren(modal);
      var focus = modal.querySelector('input,button.spl-inst,button.spl-primary') || closeButton;
      focus.focus();
    }

    function showInstitutions() {
      chosen = null;
      var buttons = session.institutions.map(function (inst) {
        return el('button', { type: 'button', class: 'spl-inst', text: inst.name, onclick: function () {
          chosen = inst;
          event('SELECT_INSTITUTION', { view_name: 'SELECT_INSTITUTION' });
          if (inst.oauth) showOAuthHandoff(null); else showCredentials(null);
        } });
      });
      render('Select your bank', [el('p', { text: 'Simulated Plaid Link: no real bank is contacted.' })].concat(buttons));
    }

    function showCredentials(error) {
      var user = el('input', { id: 'spl-username', type: 'text', autocomplete: 'off', value: 'user_good' });
      var pass = el('input', { id: 'spl-password', type: 'password', autocomplete: 'off' });
      var alert = error ? el('p', { class: 'spl-error', role: 'alert', text: error.display_message || error.error_message }) : null;
      var form = el('form', { 'aria-label': 'Bank sign-in', onsubmit: function (e) {
        e.preventDefault();
        credentials = { username: user.value, password: pass.value };
        event('SUBMIT_CREDENTIALS', { view_name: 'CREDENTIAL' });
        post('/link/credentials', { link_token: config.token, institution_id: chosen.institution_id, username: user.value, password: pass.value })
          .then(function () { session.update_mode ? finishUpdate() : showAccounts(chosen.accounts); })
          .catch(function (err) {
            event('ERROR', { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message, view_name: 'CREDENTIAL' });
            showCredentials(err);
          });
      } }, [
        alert,
        el('label', { for: 'spl-username', text: 'Username' }), user,
        el('label', { for: 'spl-password', text: 'Password' }), pass,
        el('p', { text: 'Sandbox: user_good / pass_good' }),
        el('button', { type: 'submit', class: 'spl-primary', text: 'Submit' }),
      ]);
      render(session.update_mode ? 'Sign in again to ' + chosen.name : 'Sign in to ' + chosen.name, [form]);
    }

    // OAuth banks: the user signs in on the bank's own page, which sends them back to the
    // link token's redirect_uri; the page then re-creates Link with receivedRedirectUri.
    function showOAuthHandoff(error) {
      var alert = error ? el('p', { class: 'spl-error', role: 'alert', text: error.display_message || error.error_message }) : null;
      var go = el('button', { type: 'button', class: 'spl-primary', text: 'Continue to ' + chosen.name, onclick: function () {
        go.disabled = true;
        post('/link/oauth/start', { link_token: config.token, institution_id: chosen.institution_id })
          .then(function (result) {
            event('OPEN_OAUTH', { view_name: 'OAUTH' });
            window.location.assign(base + '/link/oauth/authorize?oauth_state_id=' + encodeURIComponent(result.oauth_state_id));
          })
          .catch(function (err) {
            event('ERROR', { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message, view_name: 'OAUTH' });
            showOAuthHandoff(err);
          });
      } });
      render('Sign in at ' + chosen.name, [
        alert,
        el('p', { text: 'You will sign in on ' + chosen.name + '\'s own website, then come back here to choose accounts.' }),
        go,
      ]);
    }

    function resumeOAuth() {
      render('Returning from your bank', [el('p', { text: 'Checking your bank sign-in\u2026' })]);
      post('/link/oauth/resume', { link_token: config.token, received_redirect_uri: config.receivedRedirectUri })
        .then(function (result) {
          chosen = session.institutions.filter(function (i) { return i.institution_id === result.institution_id; })[0];
          event('CLOSE_OAUTH', { view_name: 'OAUTH' });
          if (!result.allowed) {
            render('Access not granted', [
              el('p', { role: 'alert', text: 'You did not allow access at ' + chosen.name + ', so no accounts were shared.' }),
              el('button', { type: 'button', class: 'spl-primary', text: 'Done', onclick: function () { exit(null, 'requires_oauth'); } }),
            ]);
            return;
          }
          oauthStateId = result.oauth_state_id;
          if (session.update_mode) finishUpdate(); else showAccounts(chosen.accounts);
        })
        .catch(function (err) {
          event('ERROR', { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message, view_name: 'OAUTH' });
          exit(err, 'requires_oauth');
        });
    }

    // Update mode: with account selection (update.account_selection_enabled) the user picks
    // accounts again, including ones the bank opened since; otherwise Link just finishes.
    function finishUpdate() {
      if (session.update_mode.account_selection) showAccounts(session.update_mode.accounts);
      else finish([]);
    }

    function showAccounts(accounts) {
      var boxes = accounts.map(function (account, i) {
        var id = 'spl-acct-' + i;
        var attrs = { type: 'checkbox', id: id, value: account.mask };
        if (account.shared !== false) attrs.checked = 'checked';
        var box = el('input', attrs);
        var label = account.name + ' \u2022\u2022' + account.mask + (account.shared === false ? ' (new)' : '');
        return { box: box, row: el('div', { class: 'spl-acct' }, [box, el('label', { for: id, text: label })]) };
      });
      function selected() {
        return boxes.filter(function (b) { return b.box.checked; }).map(function (b) { return b.box.value; });
      }
      var go = el('button', { type: 'button', class: 'spl-primary', text: 'Continue', onclick: function () {
        var masks = selected();
        if (!masks.length) return;
        event('SELECT_ACCOUNT', { view_name: 'SELECT_ACCOUNT', selection: masks.join(',') });
        finish(masks);
      } });
      // Continue works only with at least one account chosen.
      function sync() { go.disabled = selected().length === 0; }
      boxes.forEach(function (b) { b.box.addEventListener('change', sync); });
      sync();
      render('Choose accounts to share', [el('fieldset', { 'aria-label': 'Accounts' }, boxes.map(function (b) { return b.row; })), go]);
    }

    function finish(masks) {
      var body = { link_token: config.token, institution_id: chosen.institution_id, account_masks: masks };
      if (oauthStateId) body.oauth_state_id = oauthStateId;
      else { body.username = credentials.username; body.password = credentials.password; }
      post('/link/complete', body).then(function (result) {
        event('HANDOFF', { view_name: 'CONNECTED' });
        close();
        if (config.onSuccess) config.onSuccess(result.public_token, result.metadata);
      }).catch(function (err) {
        event('ERROR', { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message });
        exit(err, 'requires_credentials');
      });
    }

    function start() {
      if (destroyed) return;
      event('OPEN', { view_name: session && session.update_mode ? 'CREDENTIAL' : 'SELECT_INSTITUTION' });
      addStyle();
      if (config.receivedRedirectUri) {
        resumeOAuth();
      } else if (session.update_mode) {
        chosen = session.institutions.filter(function (i) { return i.institution_id === session.update_mode.institution_id; })[0];
        if (chosen.oauth) showOAuthHandoff(null); else showCredentials(null);
      } else {
        showInstitutions();
      }
    }

    post('/link/session', { link_token: config.token }).then(function (result) {
      session = result;
      linkSessionId = result.link_session_id;
      loaded = true;
      if (config.onLoad) config.onLoad();
      if (openQueued) start();
    }).catch(function (err) {
      loaded = true;
      event('ERROR', { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message });
      session = null;
      openQueued = false;
      exit(err, null);
    });

    return {
      open: function () { if (destroyed) return; if (loaded && session) start(); else openQueued = true; },
      exit: function (options) {
        if (options && options.force) { close(); if (config.onExit) config.onExit(null, { institution: null, status: null, link_session_id: linkSessionId, request_id: null }); }
        else exit(null, null);
      },
      destroy: function () { destroyed = true; close(); },
      submit: function () {},
    };
  }

  window.Plaid = { create: create, version: 'sim-1' };
})();
