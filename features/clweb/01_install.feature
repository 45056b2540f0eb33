# language: ja
@guide-004 @インストール手順
機能: インストール手順 — CLUSTERPRO X 上に JobCenter CL/Web を構築する
  『CLUSTERPRO X PPガイド (WebSAM JobCenter CL/Web)』第2版「インストール手順」(1)〜(12) を、
  運用系 node1 と待機系 node2 の 2 ノードクラスタ (フローティング IP 192.168.10.13) で実行する。
  手順書のとおりに動かないコマンドは正誤表に記録し、正しいコマンドを実行する。

  シナリオ: (1)(2) クラスタシステムを設計し、CLUSTERPRO X をインストールしてクラスタを起動する
    前提 運用系と待機系のサーバが用意されている
    もし 両系に CLUSTERPRO X をインストールする
    かつ フローティングIPリソース "fip" とディスクリソース "disk" のフェイルオーバーグループでクラスタを構築して起動する
    ならば 両系がクラスタに参加している
    かつ フェイルオーバーグループが運用系で起動し、各リソースのステータスが「正常」である

  シナリオ: (3) JobCenter CL/Web のインストール(運用系) と自動起動の無効化
    もし 運用系に CL/Web をインストールする
    ならば 運用系で CL/Web の自動起動が登録されている
    もし 運用系で手順書のコマンド "systemctl jclweb disable" を実行する
    ならば 運用系で CL/Web の自動起動が無効になっている

  @破壊的
  シナリオ: (3) 運用系の OS を再起動しても CL/Web は自動起動しない
    もし 運用系の OS を再起動する
    ならば 運用系で CL/Web のサービスが起動していない
    もし フェイルオーバーグループを運用系へ移動する
    ならば フェイルオーバーグループが運用系で起動し、各リソースのステータスが「正常」である

  シナリオ: (4)(5) JobCenter CL/Web の環境設定と起動確認(運用系)
    もし 運用系の clweb.conf の $bind にフローティング IP を指定する
    かつ 運用系の CL/Web にラボの認証局が発行したサーバ証明書を設定する
    かつ 運用系の CL/Web に運用者のユーザを登録する
    かつ 運用系で CL/Web のサービスを起動する
    ならば ブラウザからフローティング IP の CL/Web に接続でき、運用系が応答している
    かつ 運用系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、待機系では待ち受けていない
    かつ 運用系の CL/Web のサーバ証明書の秘密鍵は所有者だけが読み書きできる
    もし 運用系で CL/Web のサービスを停止する
    ならば 運用系で CL/Web のサービスが起動していない

  シナリオ: (6) config フォルダの移動とリンク作成(運用系)
    もし 運用系で手順書のコマンド "mv /usr/local/jcclweb/config /mnt/export/config" を実行する
    ならば 運用系の移動元の config フォルダがなくなっている
    もし 運用系で手順書のコマンド "ls -s /mnt/export/config /usr/local/jcclweb/config" を実行する
    ならば 運用系の config フォルダが共有ディスクへのシンボリックリンクになっている
    もし 運用系で CL/Web のサービスを起動する
    ならば ブラウザからフローティング IP の CL/Web に接続でき、運用系が応答している
    かつ 運用系の CL/Web が書き込むファイルは共有ディスク上にある
    かつ 運用系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、待機系では待ち受けていない
    もし 運用系で CL/Web のサービスを停止する
    ならば 運用系で CL/Web のサービスが起動していない

  シナリオ: (7)〜(10) 待機系へ移動してインストールとリンク作成を行い、運用系へ戻す
    もし フェイルオーバーグループを待機系へ移動する
    ならば フェイルオーバーグループが待機系で起動し、各リソースのステータスが「正常」である
    もし 待機系に CL/Web をインストールする
    かつ 待機系で手順書のコマンド "systemctl jcclweb disable" を実行する
    ならば 待機系で CL/Web の自動起動が無効になっている
    もし 待機系で手順書のコマンド "rm -rf /usr/local/jcclweb/config" を実行する
    かつ 待機系で手順書のコマンド "ls -s /mnt/export/config /usr/local/jcclweb/config" を実行する
    ならば 待機系の config フォルダが共有ディスクへのシンボリックリンクになっている
    もし 待機系で CL/Web のサービスを起動する
    ならば ブラウザからフローティング IP の CL/Web に接続でき、待機系が応答している
    かつ 待機系の CL/Web が書き込むファイルは共有ディスク上にある
    かつ 待機系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、運用系では待ち受けていない
    もし 待機系で CL/Web のサービスを停止する
    かつ フェイルオーバーグループを運用系へ移動する
    ならば フェイルオーバーグループが運用系で起動し、各リソースのステータスが「正常」である

  シナリオ: (11) サービス起動を行うリソースの追加(運用系)
    もし exec リソースの Start Script を手順書のとおりに編集する:
      """
      #!/bin/sh
      #*****
      #* start.sh *
      #*****
      #ulimit -s unlimited
      if ["$CLP_EVENT" = "START"]
      then
        if ["$CLP_DISK" = "SUCCESS"]
        then
          echo "NORMAL1"
          /usr/bin/systemctl start jcclweb
          if ["$CLP_SERVER" = "HOME"]
          then
            echo "NORMAL2"
          else
            echo "ON_OTHER1"
          fi
        else
          echo "ERROR_DISK from START"
          exit 1
        fi
      elif ["$CLP_EVENT" = "FAILOVER"]
      then
        if ["$CLP_DISK" = "SUCCESS"]
        then
          echo "FAILOVER1"
          /usr/bin/systemctl start jcclweb
          if ["$CLP_SERVER" = "HOME"]
          then
            echo "FAILOVER2"
          else
            echo "ON_OTHER2"
          fi
        else
          echo "ERROR_DISK from FAILOVER"
          exit 1
        fi
      else
        echo "NO_CLP"
        exit 1
      fi
      echo "EXIT"
      exit 0
      """
    かつ exec リソースの Stop Script を手順書のとおりに編集する:
      """
      #!/bin/sh
      #*****
      #* stop.sh *
      #*****
      #ulimit -s unlimited
      if ["$CLP_EVENT" = "START"]
      then
        if ["$CLP_DISK" = "SUCCESS"]
        then
          echo "NORMAL1"
          /usr/bin/systemctl stop jcclweb
          if ["$CLP_SERVER" = "HOME"]
          then
            echo "NORMAL2"
          else
            echo "ON_OTHER1"
          fi
        else
          echo "ERROR_DISK from START"
          exit 1
        fi
      elif ["$CLP_EVENT" = "FAILOVER"]
      then
        if ["$CLP_DISK" = "SUCCESS"]
        then
          echo "FAILOVER1"
          /usr/bin/systemctl stop jcclweb
          if ["$CLP_SERVER" = "HOME"]
          then
            echo "FAILOVER2"
          else
            echo "ON_OTHER2"
          fi
        else
          echo "ERROR_DISK from FAILOVER"
          exit 1
        fi
      else
        echo "NO_CLP"
        exit 1
      fi
      echo "EXIT"
      exit 0
      """
    ならば 両系の exec リソースの Start Script と Stop Script が手順書のとおり (正誤表の訂正を含む) で、実行できる
    もし フェイルオーバーグループに exec リソースを追加して設定を反映する
    かつ プロセス名 "clweb_serv*" を監視する process name monitor を回復動作「回復対象に対してフェイルオーバー実行」で追加する
    ならば exec リソースと process name monitor がフェイルオーバーグループに登録されている

  シナリオ: (12) JobCenter CL/Web の起動確認
    もし 操作モードから exec リソースを起動する
    ならば 運用系で CL/Web のサービスが起動している
    かつ ブラウザからフローティング IP の CL/Web に接続でき、運用系が応答している
    かつ 運用系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、待機系では待ち受けていない
    かつ process name monitor が "clweb_serv*" を監視し、運用系でだけ監視している
    もし フェイルオーバーグループを待機系へ移動する
    ならば 待機系で CL/Web のサービスが起動している
    かつ ブラウザからフローティング IP の CL/Web に接続でき、待機系が応答している
    かつ 待機系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、運用系では待ち受けていない
    かつ process name monitor が "clweb_serv*" を監視し、待機系でだけ監視している
    もし フェイルオーバーグループを運用系へ移動する
    ならば 運用系で CL/Web のサービスが起動している
    かつ 運用系の CL/Web がフローティング IP の 443 番ポートだけで待ち受け、待機系では待ち受けていない
    かつ 両系で CL/Web の自動起動が無効のままである
